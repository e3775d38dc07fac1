//! Fuzz the console line parser and the free-text question parser: no input may panic, and a parsed command
//! names a real command of the table.
#![no_main]

use libfuzzer_sys::fuzz_target;
use partnerfit::app::line::{parse_line, Line};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(Line::Command(inv)) = parse_line(&text) {
        assert!(partnerfit::app::spec::find(&inv.path).is_some());
    }
    let _ = partnerfit::app::parse_question(&text);
});
