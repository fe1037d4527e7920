# Used to let GIMP start once (and query its plug-ins) without doing anything.
print("GIMP started")
