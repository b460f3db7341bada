//! The results table: each figure with its reference, their ratio, and the
//! target it is held to.

use std::fmt::Write;

pub struct Row {
    pub section: &'static str,
    pub case: String,
    pub value: String,
    pub reference: String,
    /// value / reference, when there is a reference (`1.23×`, or with the
    /// range over rounds `1.23× (1.18–1.30)`).
    pub ratio: Option<String>,
    pub target: String,
    /// `Some(true)` met, `Some(false)` missed, `None` no target.
    pub met: Option<bool>,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub notes: Vec<String>,
}

impl Report {
    pub fn row(
        &mut self,
        section: &'static str,
        case: impl Into<String>,
        value: impl Into<String>,
    ) -> &mut Row {
        self.rows.push(Row {
            section,
            case: case.into(),
            value: value.into(),
            reference: String::new(),
            ratio: None,
            target: String::new(),
            met: None,
        });
        self.rows.last_mut().expect("just pushed")
    }

    pub fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    pub fn markdown(&self, header: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "{header}\n");
        let _ = writeln!(
            out,
            "| section | case | value | reference | ratio | target | met |"
        );
        let _ = writeln!(out, "| --- | --- | --- | --- | --- | --- | --- |");
        for r in &self.rows {
            let ratio = r.ratio.clone().unwrap_or_default();
            let met = match r.met {
                Some(true) => "yes",
                Some(false) => "**no**",
                None => "",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                r.section, r.case, r.value, r.reference, ratio, r.target, met
            );
        }
        for n in &self.notes {
            let _ = writeln!(out, "\n- {n}");
        }
        out
    }
}

impl Row {
    pub fn against(&mut self, reference: impl Into<String>, ratio: f64) -> &mut Row {
        self.reference = reference.into();
        self.ratio = Some(format!("{ratio:.2}×"));
        self
    }

    /// Against a reference measured in the same rounds: the ratio of each
    /// round, as its median and range.
    pub fn against_rounds(
        &mut self,
        reference: impl Into<String>,
        ratio: &crate::timing::Rounds,
    ) -> &mut Row {
        self.reference = reference.into();
        self.ratio = Some(ratio.show_ratio());
        self
    }

    pub fn target(&mut self, target: impl Into<String>, met: bool) -> &mut Row {
        self.target = target.into();
        self.met = Some(met);
        self
    }
}
