MODULE_ID = "newpkg.sub"
value = "sub"
