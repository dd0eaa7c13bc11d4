from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from app.accounts.validators import NotCommonPassword


class LoginForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(), Length(max=254)], render_kw={"autocomplete": "username"})
    password = PasswordField(_l("Passwort"), validators=[DataRequired(), Length(max=200)], render_kw={"autocomplete": "current-password"})
    submit = SubmitField(_l("Anmelden"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-Mail-Adresse"), validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)], render_kw={"autocomplete": "email"})
    submit = SubmitField(_l("Link anfordern"))


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Neues Passwort"),
        validators=[DataRequired(), Length(min=12, max=200, message=_l("Das Passwort muss mindestens 12 Zeichen lang sein.")), NotCommonPassword()],
        description=_l("Mindestens 12 Zeichen. Ein Satz aus mehreren Wörtern ist sicher und leicht zu merken."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Passwort wiederholen"),
        validators=[DataRequired(), EqualTo("password", message=_l("Die Passwörter stimmen nicht überein."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Passwort speichern"))
