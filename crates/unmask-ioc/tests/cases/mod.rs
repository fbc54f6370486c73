//! Pattern cases shared by the parser tests and the stix2-patterns oracle test.
#![allow(dead_code)]

/// Examples from OASIS STIX 2.1, section 9 (patterning), as written there.
pub const SPEC_EXAMPLES: &[&str] = &[
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']",
    r"[email-message:from_ref.value MATCHES '.+\\@example\\.com$' AND email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\.exe$']",
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f' OR file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f'] AND [ipv4-addr:value = '198.51.100.1/32' OR ipv4-addr:value = '203.0.113.33/32' OR ipv6-addr:value = '2001:0db8:dead:beef:dead:beef:dead:0001/128']",
    r"[domain-name:value = 'www.5z8.info' AND domain-name:resolves_to_refs[*].value = '198.51.100.1/32']",
    r"[url:value = 'http://example.com/foo' OR url:value = 'http://example.com/bar']",
    r"[x509-certificate:issuer = 'CN=WEBMAIL' AND x509-certificate:serial_number = '4c:0b:1d:19:74:86:a7:66:b4:1a:bf:40:27:21:76:28']",
    r"[windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\CryptoLocker\\Files' OR windows-registry-key:key = 'HKEY_CURRENT_USER\\Software\\Microsoft\\CurrentVersion\\Run\\CryptoLocker_0388']",
    r"[(file:name = 'pdf.exe' OR file:size = '371712') AND file:created = t'2014-01-13T07:03:17Z']",
    r"[email-message:sender_ref.value = 'jdoe@example.com' AND email-message:subject = 'Conference Info']",
    r"[x-usb-device:usbdrive.serial_number = '575833314133343231313937']",
    r"[process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachine Root$'] FOLLOWEDBY [process:command_line MATCHES '^.+>-add GlobalSign.cer -c -s -r localMachineTrustedPublisher$'] WITHIN 300 SECONDS",
    r"[network-traffic:dst_ref.type = 'ipv4-addr' AND network-traffic:dst_ref.value = '203.0.113.33/32']",
    r"[network-traffic:dst_ref.type = 'domain-name' AND network-traffic:dst_ref.value = 'example.com'] REPEATS 5 TIMES WITHIN 180 SECONDS",
    r"[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
    r"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
    r"[file:mime_type = 'application/x-pdf' AND file:contents_ref.payload_bin = b'dGhpcyBpcyBhIHRlc3Q=']",
    r"[user-account:account_type = 'unix' AND user-account:user_id = '1007' AND user-account:account_login = 'Peter'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1008' AND user-account:account_login = 'Paul'] AND [user-account:account_type = 'unix' AND user-account:user_id = '1009' AND user-account:account_login = 'Mary']",
    r"[artifact:mime_type = 'application/vnd.tcpdump.pcap' AND artifact:payload_bin MATCHES '\\xd4\\xc3\\xb2\\xa1\\x02\\x00\\x04\\x00']",
    r"[file:name = 'foo.dll' AND file:parent_directory_ref.path = 'C:\\Windows\\System32']",
    r"[file:extensions.'windows-pebinary-ext'.sections[*].name = '.rsrc']",
    r"[network-traffic:src_port NOT IN (80, 443) AND network-traffic:dst_ref.value ISSUBSET '198.51.100.0/24']",
    r"[file:size IN (1, 2, 3)] OR [NOT EXISTS file:name]",
    r"[x-foo:bar = h'0aFF'] AND [x-foo:baz == false] AND [x-foo:q <> -3]",
];

/// Malformed patterns with the exact byte position and a fragment of the message.
pub const MALFORMED: &[(&str, usize, &str)] = &[
    ("[file:name = 'foo", 13, "unterminated string"),
    (
        "[domain-name:value = 'x.com'",
        28,
        "expected ']' closing the observation",
    ),
    (
        "[file:name CONTAINS 'a']",
        11,
        "unknown operator 'CONTAINS'",
    ),
    ("[file:name ~ 'a']", 11, "unexpected character '~'"),
    ("domain-name:value = 'x'", 0, "expected '['"),
    (r"[file:name = 'a\x']", 15, "invalid escape"),
    ("[a:b = 'c'] x", 12, "expected AND, OR, FOLLOWEDBY"),
    ("[a:b = 'c'] AND", 15, "expected '['"),
    ("[a:b = ]", 7, "expected a literal value"),
    ("[a:b IN 'x']", 8, "expected '(' starting the IN set"),
    ("[a:b IN ('x' 'y')]", 13, "',' or ')'"),
    (
        "[a:b = 'c'] WITHIN SECONDS",
        19,
        "positive number of seconds",
    ),
    ("[a:b = 'c'] REPEATS 0 TIMES", 20, "positive integer"),
    ("[a = 'c']", 3, "expected ':' after the object type"),
    ("[a:b = 'c' AND]", 14, "expected an object path"),
    ("", 0, "empty pattern"),
    ("[a:b ! 'c']", 5, "unknown operator '!'"),
    (
        "[a:b = 'c'] START '2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'",
        18,
        "expected a timestamp t'…' after START",
    ),
    ("[a:b = h'abc']", 7, "invalid hex literal"),
    ("[a:b = 'c'", 10, "expected ']'"),
    ("[a:b[x] = 'c']", 5, "expected an index"),
];
