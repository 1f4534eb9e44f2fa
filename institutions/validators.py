from django.core.exceptions import ValidationError
from stdnum.cn import uscc
from stdnum.exceptions import ValidationError as StdnumError


def normalise_credit_code(value: str) -> str:
    return uscc.compact(value or "")


def validate_credit_code(value: str) -> None:
    """A unified social credit code (GB 32100-2015) with a correct check character."""
    try:
        uscc.validate(value)
    except StdnumError:
        raise ValidationError(
            "统一社会信用代码 %(value)s 无效:应为18位,且末位校验码正确,请对照营业执照或登记证书核对。",
            code="credit_code_invalid", params={"value": value},
        ) from None
