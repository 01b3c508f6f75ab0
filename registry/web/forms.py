"""The staff pages' forms (WTForms through Flask-WTF, which adds the CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    name = StringField("用户名", validators=[DataRequired("请输入用户名"), Length(max=100)])
    password = PasswordField("密码", validators=[DataRequired("请输入密码"), Length(max=1024)])


class LogoutForm(FlaskForm):
    """Only the CSRF token: signing out is a POST so another site cannot sign a user out."""
