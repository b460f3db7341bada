//! A number out of range is refused with the range the component takes,
//! whatever its sign: the CLI passes the integer to the setter as given and
//! restates no range (Reliability §18). A whole float is an integer.

use crate::common::issue;

#[tokio::test]
async fn out_of_range_numbers_report_the_real_range() {
    for (flag, value, range) in [
        ("--timeout-ms", "-1", "1 to 600000"),
        ("--timeout-ms", "0", "1 to 600000"),
        ("--timeout-ms", "600001", "1 to 600000"),
        ("--max-attempts", "0", "1 to 1000"),
        ("--deadline-ms", "-5", "1 to 86400000"),
    ] {
        let out = issue(&[flag, value]).run().await;
        out.assert_code(2);
        let setting = flag.trim_start_matches("--");
        assert!(
            out.stderr.contains(&format!("invalid config: {setting}: ")),
            "{out:?}"
        );
        assert!(out.stderr.contains(range), "{range} in {out:?}");
        assert!(out.stderr.contains(&format!("got {value}")), "{out:?}");
    }
}

/// Whole numbers written as floats are the integers they are, as in Python
/// and JavaScript; one past 64 bits names the range, as every host does.
#[tokio::test]
async fn a_whole_float_is_an_integer_and_64_bits_are_named() {
    let out = issue(&["--timeout-ms", "0.0"]).run().await;
    out.assert_code(2);
    assert!(
        out.stderr.contains("invalid config: timeout-ms: "),
        "{out:?}"
    );
    for (value, said) in [
        (
            "99999999999999999999",
            "must be an integer from -9223372036854775808 to 9223372036854775807, got 99999999999999999999",
        ),
        (
            "1e20",
            "must be an integer from -9223372036854775808 to 9223372036854775807, got 100000000000000000000",
        ),
        ("5000.5", "expected an integer"),
    ] {
        let out = issue(&["--timeout-ms", value]).run().await;
        out.assert_code(2);
        let said = format!("invalid value '{value}' for '--timeout-ms <MS>': {said}");
        assert!(out.stderr.contains(&said), "{out:?}");
    }
}
