//! A number out of range is refused with the range the component takes,
//! whatever its sign: the CLI passes the integer to the setter as given and
//! restates no range (Reliability §18).

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
