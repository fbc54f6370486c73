#![no_main]
//! v1 PKCS#7 reader (BER walker, certificate description).

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = unmask_sig::read_v1_signature("META-INF/CERT.RSA", data);
    let _ = unmask_sig::describe_certificate(data);
});
