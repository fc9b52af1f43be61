#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| monosim_fuzz::fault_rule(data));
