"""Reading the sheets staff upload (CSV and .xlsx) into rows, without evaluating anything in them."""
