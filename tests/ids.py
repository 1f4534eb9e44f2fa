"""Valid resident ID numbers for tests, built with the GB 11643 check digit."""

from stdnum.cn import ric


def make_id_number(birth="19900101", sequence=1, region="140421", male=True):
    """An 18-character ID number; the 17th digit's parity gives the sex (odd = male)."""
    seq = sequence % 100
    sex_digit = (1 if male else 0) + 2 * ((sequence // 100) % 5)
    first17 = f"{region}{birth}{seq:02d}{sex_digit}"
    return first17 + ric.calc_check_digit(first17 + "0")  # stdnum ignores the last character
