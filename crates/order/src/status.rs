//! Pay types. (Order statuses live with their transitions in the `lifecycle` module.)

/// 0 支付宝, 1 微信, 2 余额.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayType {
    /// 0 支付宝.
    Alipay,
    /// 1 微信: no channel yet, refused at checkout.
    Wechat,
    /// 2 余额: pay from `users.money`.
    Balance,
}

impl PayType {
    /// Stored code.
    pub fn code(self) -> i16 {
        match self {
            Self::Alipay => 0,
            Self::Wechat => 1,
            Self::Balance => 2,
        }
    }

    /// Maps a stored or submitted code.
    pub fn from_code(code: i64) -> Option<Self> {
        match code {
            0 => Some(Self::Alipay),
            1 => Some(Self::Wechat),
            2 => Some(Self::Balance),
            _ => None,
        }
    }

    /// The display name.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Alipay => "支付宝",
            Self::Wechat => "微信",
            Self::Balance => "余额",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for pay_type in [PayType::Alipay, PayType::Wechat, PayType::Balance] {
            assert_eq!(
                PayType::from_code(i64::from(pay_type.code())),
                Some(pay_type)
            );
        }
        assert_eq!(PayType::from_code(3), None);
        assert_eq!(PayType::from_code(-1), None);
    }
}
