//! The remark an operator writes on a ledger row (a points adjustment or a top-up): one rule
//! for the admin API and the console.

/// The longest remark a ledger row keeps, in characters.
pub const MAX_REMARK_CHARS: usize = 200;

/// A remark longer than [`MAX_REMARK_CHARS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("备注不能超过{}个字符!", MAX_REMARK_CHARS)]
pub struct RemarkTooLong;

/// The remark to store: the operator's text trimmed, or `default` when there is none (the
/// ledger always says why); refused when longer than [`MAX_REMARK_CHARS`].
pub fn operator_remark(
    text: &str,
    default: impl FnOnce() -> String,
) -> Result<String, RemarkTooLong> {
    let text = text.trim();
    if text.chars().count() > MAX_REMARK_CHARS {
        return Err(RemarkTooLong);
    }
    Ok(if text.is_empty() {
        default()
    } else {
        text.to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remark_is_trimmed_defaulted_and_bounded() {
        let default = || "管理员充值".to_owned();
        assert_eq!(operator_remark("  补偿 ", default).unwrap(), "补偿");
        assert_eq!(operator_remark("   ", default).unwrap(), "管理员充值");
        assert!(operator_remark(&"字".repeat(MAX_REMARK_CHARS), default).is_ok());
        assert_eq!(
            operator_remark(&"字".repeat(MAX_REMARK_CHARS + 1), default),
            Err(RemarkTooLong)
        );
    }
}
