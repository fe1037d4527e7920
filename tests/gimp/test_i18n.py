# Runs with LANGUAGE=de: GIMP queried the plug-in in German (fresh profile,
# no pluginrc), so the menu label, help text and argument labels GIMP keeps
# come from the plug-in's installed German catalog, and so do the error
# messages of a run.
import sstgimp as T
from gi.repository import Gimp

proc = Gimp.get_pdb().lookup_procedure(T.PROC)
label = proc.get_menu_label()
blurb = proc.get_blurb()
nicks = {p.get_name(): p.get_nick() for p in proc.get_arguments()}
print("# menu label:", label)
print("# blurb:", blurb)
print("# style-layer label:", nicks.get("style-layer"))
T.check(label == "_Semantischer Stiltransfer...", "menu label is German")
T.check(blurb.startswith("Eine Ebene im Stil eines anderen Bildes"), "help blurb is German")
T.check(nicks.get("style-layer") == "S_til-Ebene", "argument label is German")

content, photo, cmap, style, painting, smap = T.scene()
gray = content.duplicate()
gray.convert_grayscale()
status, msg = T.run(gray, gray.get_layers()[-1], style_layer=painting)
print("# grayscale error:", msg)
T.check(status == Gimp.PDBStatusType.CALLING_ERROR and "nur mit RGB-Bildern" in msg,
        "run-time error message is German")
T.finish()
