//! Names of ELF constants for reports.

/// Short name of an `e_machine` value, for the architectures Android ships native code for.
pub fn machine_name(machine: u16) -> Option<&'static str> {
    Some(match machine {
        3 => "x86",
        8 => "MIPS",
        40 => "ARM",
        62 => "x86-64",
        183 => "AArch64",
        243 => "RISC-V",
        _ => return None,
    })
}

/// Name of an `e_type` value.
pub fn file_type(e_type: u16) -> &'static str {
    match e_type {
        0 => "none",
        1 => "relocatable",
        2 => "executable",
        3 => "shared_object",
        4 => "core",
        _ => "unknown",
    }
}

/// Name of a `p_type` value (readelf's spelling without the `PT_` prefix); processor-specific
/// values are named for ARM (`machine` 40) only.
pub fn segment_type(p_type: u32, machine: u16) -> &'static str {
    match p_type {
        0 => "NULL",
        1 => "LOAD",
        2 => "DYNAMIC",
        3 => "INTERP",
        4 => "NOTE",
        5 => "SHLIB",
        6 => "PHDR",
        7 => "TLS",
        0x6474_e550 => "GNU_EH_FRAME",
        0x6474_e551 => "GNU_STACK",
        0x6474_e552 => "GNU_RELRO",
        0x6474_e553 => "GNU_PROPERTY",
        0x7000_0001 if machine == 40 => "EXIDX",
        _ => "unknown",
    }
}

/// Name of an `sh_type` value (readelf's spelling without the `SHT_` prefix); processor-specific
/// values are named for ARM (`machine` 40) only.
pub fn section_type(sh_type: u32, machine: u16) -> &'static str {
    match sh_type {
        0 => "NULL",
        1 => "PROGBITS",
        2 => "SYMTAB",
        3 => "STRTAB",
        4 => "RELA",
        5 => "HASH",
        6 => "DYNAMIC",
        7 => "NOTE",
        8 => "NOBITS",
        9 => "REL",
        10 => "SHLIB",
        11 => "DYNSYM",
        14 => "INIT_ARRAY",
        15 => "FINI_ARRAY",
        16 => "PREINIT_ARRAY",
        17 => "GROUP",
        18 => "SYMTAB_SHNDX",
        19 => "RELR",
        0x6000_0001 => "ANDROID_REL",
        0x6000_0002 => "ANDROID_RELA",
        0x6fff_4c03 => "LLVM_ADDRSIG",
        0x6fff_fff5 => "GNU_ATTRIBUTES",
        0x6fff_fff6 => "GNU_HASH",
        0x6fff_fffd => "VERDEF",
        0x6fff_fffe => "VERNEED",
        0x6fff_ffff => "VERSYM",
        0x7000_0001 if machine == 40 => "ARM_EXIDX",
        0x7000_0003 if machine == 40 => "ARM_ATTRIBUTES",
        _ => "unknown",
    }
}
