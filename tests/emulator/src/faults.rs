//! Fault injection: rules that make chosen operations fail, stall or drop the connection.

use serde::{Deserialize, Serialize};

/// What a matching rule does to the call.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum FaultKind {
    /// Answer with this HTTP status (500, 503, 429, ...) and AWS's matching error type.
    Status { status: u16 },
    /// Drop the connection in the middle of the response, before the operation runs.
    Reset,
    /// Run the operation, then drop the connection: the client cannot know it took effect.
    ResetAfter,
    /// Delay the call, then serve it normally.
    Latency {
        #[serde(rename = "latencyMs")]
        latency_ms: u64,
    },
}

/// One rule: operation name (or `*`), what to do, how many times, and with what probability.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    #[serde(default = "any_operation")]
    pub operation: String,
    #[serde(flatten)]
    pub kind: FaultKind,
    /// How many calls this rule may still hit; absent = unlimited.
    #[serde(default)]
    pub count: Option<u32>,
    /// Chance that a matching call is hit, 0..=1.
    #[serde(default = "always")]
    pub probability: f64,
}

fn any_operation() -> String {
    "*".into()
}

fn always() -> f64 {
    1.0
}

/// The active rules, consulted in order; the first that fires wins.
#[derive(Debug, Default)]
pub struct Faults {
    rules: Vec<FaultRule>,
}

impl Faults {
    pub fn add(&mut self, rule: FaultRule) {
        self.rules.push(rule);
    }

    pub fn clear(&mut self) {
        self.rules.clear();
    }

    /// Picks the fault for this call, if any, spending one use of the rule.
    pub fn pick(&mut self, operation: &str, roll: impl Fn() -> f64) -> Option<FaultKind> {
        let idx = self.rules.iter().position(|r| {
            (r.operation == "*" || r.operation == operation) && r.count != Some(0) && (r.probability >= 1.0 || roll() < r.probability)
        })?;
        let rule = &mut self.rules[idx];
        let kind = rule.kind.clone();
        if let Some(n) = rule.count.as_mut() {
            *n -= 1;
        }
        if rule.count == Some(0) {
            self.rules.remove(idx);
        }
        Some(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counted rules fire exactly `count` times for their operation only.
    #[test]
    fn counted_rule_expires() {
        let mut f = Faults::default();
        f.add(serde_json::from_str(r#"{"operation":"GetApi","kind":"status","status":503,"count":2}"#).unwrap());
        assert_eq!(f.pick("GetApis", || 0.0), None);
        assert_eq!(f.pick("GetApi", || 0.0), Some(FaultKind::Status { status: 503 }));
        assert!(f.pick("GetApi", || 0.0).is_some());
        assert_eq!(f.pick("GetApi", || 0.0), None);
    }

    /// Probabilistic rules fire only when the roll is under the probability.
    #[test]
    fn probability_respected() {
        let mut f = Faults::default();
        f.add(serde_json::from_str(r#"{"kind":"reset","probability":0.3}"#).unwrap());
        assert_eq!(f.pick("X", || 0.5), None);
        assert_eq!(f.pick("X", || 0.1), Some(FaultKind::Reset));
    }
}
