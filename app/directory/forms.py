from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectChoice, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from app.accounts.forms import PlaceholderSelect, district_choices, land_choices
from app.validators import SingleLine


class EntryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[SingleLine(), DataRequired(), Length(max=200)], render_kw={"autocomplete": "name"})
    municipality = StringField(_l("Kommune"), validators=[SingleLine(), DataRequired(), Length(max=200)],
                               render_kw={"autocomplete": "organization"})
    district_ags = SelectField(_l("Kreis"), validators=[DataRequired()], widget=PlaceholderSelect(_l("– bitte wählen –")))
    position = StringField(_l("Funktion"), validators=[SingleLine(), Optional(), Length(max=200)],
                           description=_l("z. B. „Digitalisierungsbeauftragte“"))
    topics = TextAreaField(_l("Themen"), validators=[Optional(), Length(max=1000)], render_kw={"rows": 3},
                           description=_l("Durch Komma getrennt, z. B. „Open Data, Smarte Straßenbeleuchtung, Bürgerbeteiligung“."))
    contact_email = EmailField(_l("Kontaktadresse"), validators=[SingleLine(), DataRequired(), Email(check_deliverability=False), Length(max=254)],
                               description=_l("Diese Adresse sehen andere zertifizierte Manager:innen und die Landesagentur."))
    consent = BooleanField(
        _l("Ich willige ein, dass die oben stehenden Angaben im Netzwerk der zertifizierten Smart City Manager:innen "
           "angezeigt werden. Ich kann die Einwilligung jederzeit widerrufen; mein Eintrag wird dann sofort entfernt."),
        validators=[DataRequired(_l("Ohne Ihre ausdrückliche Einwilligung wird nichts veröffentlicht."))],
    )
    submit = SubmitField(_l("Eintrag speichern"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_ags.choices = district_choices()


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    land = SelectField(_l("Land"), validators=[Optional()], choices=[SelectChoice("", _l("alle Länder")), *land_choices()])
    district_ags = SelectField(_l("Kreis"), validators=[Optional()], widget=PlaceholderSelect(_l("alle Kreise")))
    topic = StringField(_l("Thema"), validators=[SingleLine(), Optional(), Length(max=60)])
    submit = SubmitField(_l("Suchen"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.district_ags.choices = district_choices()


class WithdrawForm(FlaskForm):
    submit = SubmitField(_l("Einwilligung widerrufen und Eintrag löschen"))
