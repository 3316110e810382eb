MODULE_ID = "realpkg"
SETTING = "real"
