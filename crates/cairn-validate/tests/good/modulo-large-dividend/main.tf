# 10^100 mod 7 is 4 (10^6 = 1 mod 7, so 10^100 = 10^4 = 10000 = 4 mod 7).
# Terraform computes % with 512-bit floats and gets 4. cairn's Number::rem
# (cairn-value/src/number.rs) takes the quotient from a BigDecimal division,
# which keeps a limited number of digits (100 by default), so for dividends
# with more digits than that the quotient is rounded, and the remainder is
# wrong: -3 here, negative for a positive dividend; 1e200 % 7 gives -3
# followed by 49 zeros.
variable "big" {
  type    = number
  default = 1e100

  validation {
    condition     = var.big % 7 == 4
    error_message = "1e100 % 7 should be 4."
  }
}
