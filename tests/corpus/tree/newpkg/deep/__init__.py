MODULE_ID = "newpkg.deep"
