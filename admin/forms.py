"""Every admin form (Flask-WTF: each one carries and checks a CSRF token)."""
from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from market.ledger import check_amount
from market.phones import normalise_phone

EMAIL = Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message="not an e-mail address")
# Integer columns are PostgreSQL `integer`: a bigger number would fail the whole request.
MAX_INT = 2**31 - 1
CHANNELS = [("sms", "SMS"), ("whatsapp", "WhatsApp"), ("email", "E-mail")]


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def phone_field(form: FlaskForm, field: StringField) -> None:
    if field.data and normalise_phone(field.data) is None:
        raise ValidationError("not a phone number")


class Amount:
    """A DecimalField's value must be a finite number that fits its numeric(precision, scale)
    column, with at most `scale` decimals and at least `minimum`. It stops the chain, so no
    validator after it meets a NaN or an infinity (WTForms' NumberRange would raise on sNaN)."""

    def __init__(self, precision: int = 12, scale: int = 2, minimum: str = "0") -> None:
        self.precision, self.scale, self.minimum = precision, scale, Decimal(minimum)

    def __call__(self, form: FlaskForm, field: DecimalField) -> None:
        if field.data is None:
            return
        try:
            rounded = check_amount(field.data, precision=self.precision, scale=self.scale,
                                   minimum=self.minimum)
        except ValueError as exc:
            raise StopValidation(str(exc)) from None
        if rounded != field.data:
            raise StopValidation(f"has more than {self.scale} decimals")


class LoginForm(FlaskForm):
    email = StringField("E-mail", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=200)])


class VendorForm(FlaskForm):
    code = StringField("Code", validators=[
        DataRequired(), Length(max=40), Regexp(r"^[A-Za-z0-9-]+$", message="letters, digits, -")])
    business_name = StringField("Business name", validators=[DataRequired(), Length(max=160)])
    phone = StringField("Phone", validators=[Optional(), Length(max=20), phone_field])
    email = StringField("E-mail", validators=[Optional(), Length(max=200), EMAIL])
    town = StringField("Town", validators=[Optional(), Length(max=80)])
    delivery_towns = StringField("Delivers to (comma separated)", validators=[Length(max=1000)])
    categories = StringField("Categories (comma separated)", validators=[Length(max=1000)])
    alert_channels = Checkboxes("Alert channels", choices=CHANNELS)


class RejectForm(FlaskForm):
    reason = TextAreaField("Reason", validators=[DataRequired(), Length(max=1000)])


class DocumentForm(FlaskForm):
    document = FileField("Document", validators=[FileRequired()])


class PlanChoiceForm(FlaskForm):
    plan = SelectField("Plan", validators=[DataRequired()])


class ProductForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    category = StringField("Category", validators=[Optional(), Length(max=60)])
    brand = StringField("Brand", validators=[Optional(), Length(max=80)])
    aliases = TextAreaField("Aliases (one per line; they drive parsing)",
                            validators=[Length(max=5000)])
    active = BooleanField("Active")


class ListingForm(FlaskForm):
    price = DecimalField("Price", places=2, validators=[InputRequired(), Amount(12, 2, "0.01")])
    moq = DecimalField("MOQ", places=3, validators=[InputRequired(), Amount(12, 3)])
    stock = DecimalField("Stock", places=3, validators=[Optional(), Amount(14, 3)])
    tiers = StringField("Tiers (min_qty:percent; …)", validators=[Length(max=500)])
    active = BooleanField("Active")


class ImportForm(FlaskForm):
    files = MultipleFileField("products.csv, vendors.csv and/or listings.csv",
                              validators=[DataRequired()])


class StatusForm(FlaskForm):
    status = SelectField("New status", validators=[DataRequired()])
    note = StringField("Note", validators=[Optional(), Length(max=500)])


class PaymentForm(FlaskForm):
    amount = DecimalField("Amount", places=2,
                          validators=[InputRequired(), Amount(12, 2, "0.01")])
    method = SelectField("Method", choices=[("cash", "Cash"), ("bank", "Bank transfer"),
                                            ("esewa", "eSewa"), ("khalti", "Khalti"),
                                            ("upi", "UPI"), ("cheque", "Cheque")])
    reference = StringField("Reference", validators=[Optional(), Length(max=120)])
    order = StringField("Order number (optional)", validators=[Optional(), Length(max=20)])


class CreditLimitForm(FlaskForm):
    credit_limit = DecimalField("Credit limit", places=2,
                                validators=[InputRequired(), Amount(12, 2)])


class PlanForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=80)])
    price_monthly = DecimalField("Price per month", places=2,
                                 validators=[InputRequired(), Amount(10, 2)])
    max_listings = IntegerField("Max listings (empty: unlimited)",
                                validators=[Optional(), NumberRange(min=0, max=MAX_INT)])
    unlocks_per_month = IntegerField("Lead unlocks per month",
                                     validators=[InputRequired(), NumberRange(min=0, max=MAX_INT)])
    free_unlocks = BooleanField("Unlocks without credits")
    lead_priority = IntegerField("Lead priority",
                                 validators=[Optional(), NumberRange(min=0, max=MAX_INT)])


class ReplyForm(FlaskForm):
    body = TextAreaField("Reply", validators=[DataRequired(), Length(max=1600)])


class StaffForm(FlaskForm):
    email = StringField("E-mail", validators=[DataRequired(), Length(max=200), EMAIL])
    name = StringField("Name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=[("staff", "staff"), ("admin", "admin")])
    password = PasswordField("Password", validators=[DataRequired(), Length(min=8, max=200)])


class StaffEditForm(FlaskForm):
    role = SelectField("Role", choices=[("staff", "staff"), ("admin", "admin")])
    active = BooleanField("Active")
    password = PasswordField("New password (leave empty to keep)",
                             validators=[Optional(), Length(min=8, max=200)])
