MODULE_ID = "newpkg"
