from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

# The most common passwords of public breach lists that are 12 characters or longer; shorter ones
# are already refused by the length rule.
COMMON_PASSWORDS = frozenset(
    """
    123456789012 1234567890123 12345678910 qwertyuiopas qwertyuiop12 password1234 password12345
    passwort1234 passwort12345 123456123456 111111111111 000000000000 abcdefghijkl abc123abc123
    iloveyou1234 qwerty123456 1q2w3e4r5t6y 1qaz2wsx3edc zaq12wsxcde3 123qweasdzxc sommer2024!!
    passwortpasswort passwordpassword hallo1234567 willkommen123 willkommen1234 administrator
    smartcity123 smartcity1234 letmein12345 welcome12345 football1234 baseball1234 monkey123456
    dragon123456 sunshine1234 princess1234 starwars1234 trustno11234 master123456 superman1234
    """.split()
)


class NotCommonPassword:
    def __init__(self, message=None):
        self.message = message or _l("Dieses Passwort ist zu verbreitet. Bitte wählen Sie ein anderes.")

    def __call__(self, form, field):
        if (field.data or "").strip().lower() in COMMON_PASSWORDS:
            raise ValidationError(self.message)
