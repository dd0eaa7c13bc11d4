from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional
from wtforms.widgets import Select
from markupsafe import Markup, escape

from app.accounts.validators import NotCommonPassword
from app.regions import LAENDER, choices_by_land
from app.validators import SingleLine


def land_choices(codes: Iterable[str] | None = None) -> list[SelectChoice]:
    """The Länder (all, or those of `codes` in that order) as options: value code, label name."""
    return [SelectChoice(code, LAENDER[code]) for code in (LAENDER if codes is None else codes)]


def district_choices(codes: Iterable[str] | None = None) -> list[SelectChoice]:
    """The districts (of all Länder, or of those in `codes`), one <optgroup> per Land."""
    names = None if codes is None else {LAENDER[code] for code in codes if code in LAENDER}
    return [SelectChoice(ags, label, optgroup=land) for land, districts in choices_by_land().items()
            if names is None or land in names for ags, label in districts]


class LoginForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[SingleLine(), DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Passwort"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Anmelden"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[SingleLine(), DataRequired(), Email(check_deliverability=False), Length(max=254)], render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Link anfordern"))


def new_password_field(label) -> PasswordField:
    """The password rules, in one place: at least 12 characters, not a common password."""
    return PasswordField(
        label,
        validators=[DataRequired(), Length(min=12, max=200, message=_l("Das Passwort muss mindestens 12 Zeichen lang sein.")), NotCommonPassword()],
        description=_l("Mindestens 12 Zeichen. Ein Satz aus mehreren Wörtern ist sicher und leicht zu merken."),
        render_kw={"autocomplete": "new-password"},
    )


def confirm_password_field() -> PasswordField:
    return PasswordField(
        _l("Passwort wiederholen"),
        validators=[DataRequired(), EqualTo("password", message=_l("Die Passwörter stimmen nicht überein."))],
        render_kw={"autocomplete": "new-password"},
    )


class LogoutEverywhereForm(FlaskForm):
    """The "Überall abmelden" button: CSRF only."""


class NewPasswordForm(FlaskForm):
    password = new_password_field(_l("Neues Passwort"))
    confirm = confirm_password_field()
    submit = SubmitField(_l("Passwort speichern"))


class PlaceholderSelect(Select):
    """A <select> with <optgroup>s that starts with an empty "please choose" option."""

    def __init__(self, placeholder):
        super().__init__()
        self.placeholder = placeholder

    def __call__(self, field, **kwargs):
        html = str(super().__call__(field, **kwargs))
        head, _, rest = html.partition(">")
        selected = "" if field.data else " selected"
        # head and rest are WTForms' own (escaped) widget HTML; the placeholder is escaped here
        return Markup(f'{head}><option value=""{selected}>{escape(str(self.placeholder))}</option>{rest}')  # nosec B704


class ProfileForm(FlaskForm):
    """Name and the profile data the agency needs; the Land follows from the district."""

    name = StringField(_l("Name"), validators=[SingleLine(), DataRequired(), Length(max=200)], render_kw={"autocomplete": "name"})
    municipality = StringField(
        _l("Kommune"), validators=[SingleLine(), Optional(), Length(max=200)],
        description=_l("Stadt, Gemeinde, Amt oder Kreisverwaltung, in der Sie arbeiten."),
        render_kw={"autocomplete": "organization"},
    )
    district_ags = SelectField(
        _l("Landkreis oder kreisfreie Stadt"), validators=[Optional()], validate_choice=True,
        widget=PlaceholderSelect(_l("– bitte wählen –")),
        description=_l("Das Land ergibt sich aus dem Kreis."),
    )
    position = StringField(_l("Position oder Fachbereich"), validators=[SingleLine(), Optional(), Length(max=200)],
                           render_kw={"autocomplete": "organization-title"})
    submit = SubmitField(_l("Profil speichern"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_ags.choices = district_choices()

