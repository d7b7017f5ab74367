"""The form an executive creates a portfolio with."""

from django import forms

from portfolio.models import Portfolio
from portfolio.validation import clean_currency, clean_portfolio_code


class PortfolioForm(forms.ModelForm):
    class Meta:
        model = Portfolio
        fields = ["code", "name", "currency", "is_acquisition_target"]
        help_texts = {
            "code": "Letters, digits, - and _; names the portfolio in URLs and ingest files.",
            "is_acquisition_target": "A due-diligence target: seen only by executives.",
        }

    def clean_code(self):
        return clean_portfolio_code(self.cleaned_data["code"])

    def clean_currency(self):
        return clean_currency(self.cleaned_data["currency"])
