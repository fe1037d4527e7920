#!/bin/bash
# run-test.sh NAME - one GIMP plug-in test (registered in meson.build).
#   run      non-interactive run: result layer, untouched sources, semantics
#   errors   every bad input fails with a message and changes nothing;
#            the procedure's arguments equal the settings table
#   weights  missing and corrupt weights (SST_WEIGHTS_DIR) fail cleanly
#   cancel   a cancelled run (SST_CANCEL_AT) leaves the image as it was
#   memory   a run out of memory (SST_MEMORY_LIMIT_MB) fails with a message
#            and leaves the image as it was
#   i18n     German strings through GIMP; de/fr catalogs complete
#   readme   the README's Python-fu batch example, extracted and run as is
#   artist   selection, half-painted maps, preserve-colors, style-scale
#   dialog   GTK dialog in GUI GIMP under Xvfb: screenshot, live preview
#            (stylized, cached encodings), region legend, OK, result,
#            one-step undo; a second dialog: "New map layers", Cancel
set -euo pipefail
SST_TEST_NAME=${1:?usage: run-test.sh NAME}
export SST_TEST_NAME
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/lib.sh"

# run_py NAME SCRIPT [ENV=VALUE...]: one GIMP session; full log in $WORK.
run_py() {
  local name=$1 script=$2
  shift 2
  local t0=$SECONDS rc=0
  gimp_console "$PROFILE" "$HERE/$script" "$@" >"$WORK/$name.log" 2>&1 || rc=$?
  show_checks "$WORK/$name.log"
  log "$name: GIMP exit status $rc after $((SECONDS - t0)) s"
  [ $rc = 0 ] && grep -q "all checks passed" "$WORK/$name.log" ||
    { tail -40 "$WORK/$name.log"; die "$name"; }
}

# The test scripts' own lines, without GIMP's start-up chatter.
show_checks() {
  grep -E "^(ok|FAIL) - |^# |checks? (passed|failed)|took|^mean|^result|^style|Traceback|Error:" "$1" || true
}

case $SST_TEST_NAME in
  run)
    new_profile
    run_py run test_run.py
    ;;

  errors)
    new_profile
    run_py errors test_errors.py
    ;;

  artist)
    new_profile
    run_py artist test_artist.py
    ;;

  weights)
    new_profile
    weights=$PROFILE/plug-ins/semantic-style/weights
    run_py missing test_failure.py EXPECT=weights SST_WEIGHTS_DIR="$WORK/no-such-dir"
    # Corrupt: the encoder cut in half, and a header that lies about sizes.
    mkdir -p "$WORK/truncated" "$WORK/garbage"
    cp "$weights"/*.safetensors "$WORK/truncated/"
    cp "$weights"/*.safetensors "$WORK/garbage/"
    f=$WORK/truncated/encoder.safetensors
    truncate -s $(( $(stat -c %s "$f") / 2 )) "$f"
    printf '\x10\x00\x00\x00\x00\x00\x00\x00{"a":[1,2,3]}   ' > "$WORK/garbage/decoder_relu3_1.safetensors"
    run_py truncated test_failure.py EXPECT=weights SST_WEIGHTS_DIR="$WORK/truncated"
    run_py garbage test_failure.py EXPECT=weights SST_WEIGHTS_DIR="$WORK/garbage"
    ;;

  cancel)
    new_profile
    run_py cancel test_failure.py EXPECT=cancel SST_CANCEL_AT=0.3
    ;;

  memory)
    new_profile
    # 100 MB more than the plug-in holds when the run starts: less than
    # OpenBLAS's work buffers and the encodings need
    run_py memory test_failure.py EXPECT=memory SST_MEMORY_LIMIT_MB=100
    ;;

  i18n)
    # 1. The catalogs: complete, and the installed .mo files answer.
    loc=$SHARED_DIR/template/plug-ins/semantic-style/locale
    for lang in de fr; do
      stats=$(msgfmt --statistics -o /dev/null "$SST_SOURCE_ROOT/po/$lang.po" 2>&1)
      log "$lang.po: $stats"
      case $stats in *untranslated*|*fuzzy*) die "$lang.po is incomplete" ;; esac
      [ -f "$loc/$lang/LC_MESSAGES/semantic-style.mo" ] || die "no installed $lang .mo in $loc"
    done
    python3 - "$loc" <<'PY' || die "installed catalogs"
import gettext, sys
loc = sys.argv[1]
want = {"de": "Semantischer Stiltransfer", "fr": "Transfert de style sémantique"}
bad = 0
for lang, text in want.items():
    got = gettext.translation("semantic-style", loc, [lang]).gettext("Semantic Style Transfer")
    print(("ok - " if got == text else "FAIL - ") + "%s .mo: %r" % (lang, got))
    bad += got != text
sys.exit(bad)
PY
    # 2. GIMP in German: fresh plug-in query (no pluginrc), so the labels
    #    GIMP shows come from the plug-in's own catalog.
    new_profile --no-pluginrc
    run_py i18n-de test_i18n.py LANG=de_DE.UTF-8 LANGUAGE=de LC_ALL=de_DE.UTF-8
    ;;

  readme)
    # The example in README.md, byte for byte: it cannot rot unnoticed.
    python3 - "$SST_SOURCE_ROOT/README.md" "$WORK/stylize.py" <<'PY' || die "README example"
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
m = re.search(r"<!-- gimp-batch-example:[^\n]*-->\n```python\n(.*?)```", text, re.S)
if not m:
    sys.exit("README.md has no gimp-batch-example python block")
open(sys.argv[2], "w", encoding="utf-8").write(m.group(1))
print("# README example: %d lines" % m.group(1).count("\n"))
PY
    # Its inputs, under the names it expects, in the current directory.
    cp "$SHARED_DIR/images/content.png" "$WORK/photo.png"
    cp "$SHARED_DIR/images/content_map.png" "$WORK/photo_map.png"
    cp "$SHARED_DIR/images/style.png" "$WORK/painting.png"
    cp "$SHARED_DIR/images/style_map.png" "$WORK/painting_map.png"
    new_profile
    t0=$SECONDS rc=0
    (cd "$WORK" && gimp_console "$PROFILE" "$WORK/stylize.py") >"$WORK/readme.log" 2>&1 || rc=$?
    log "README example: GIMP exit status $rc after $((SECONDS - t0)) s"
    [ $rc = 0 ] || { tail -40 "$WORK/readme.log"; die "the README example failed"; }
    python3 - "$WORK" <<'PY' || die "README example result"
import sys
import numpy as np
from PIL import Image
work = sys.argv[1]
load = lambda n: np.asarray(Image.open("%s/%s" % (work, n)).convert("RGB")).astype(float)
photo, out = load("photo.png"), load("result.png")
pmap, smap, style = load("photo_map.png"), load("painting_map.png"), load("painting.png")
fails = []
def check(cond, what):
    print(("ok - " if cond else "FAIL - ") + what)
    cond or fails.append(what)
check(out.shape == photo.shape, "result.png has the photo's size %s" % (photo.shape[:2],))
if out.shape == photo.shape:
    mad = np.abs(out - photo).mean()
    check(mad > 15, "result differs from the photo (mean abs diff %.1f > 15)" % mad)
    check(out.std() > 10, "result is not flat (std %.1f)" % out.std())
    # Semantic: each region takes the colours of its partner region.
    sky, ground = pmap[..., 2] > 128, pmap[..., 1] > 128
    s_sky, s_ground = smap[..., 2] > 128, smap[..., 1] > 128
    d = lambda a, b: np.linalg.norm(a - b)
    o_sky, o_gr = out[sky].mean(0), out[ground].mean(0)
    t_sky, t_gr = style[s_sky].mean(0), style[s_ground].mean(0)
    check(d(o_sky, t_sky) < d(o_sky, t_gr), "sky took the painting's sky colours")
    check(d(o_gr, t_gr) < d(o_gr, t_sky), "ground took the painting's ground colours")
print("%d check(s) failed" % len(fails) if fails else "all checks passed")
sys.exit(1 if fails else 0)
PY
    cp "$WORK/result.png" "$ART/readme-result.png"
    ;;

  dialog)
    new_profile
    command -v Xvfb >/dev/null || die "Xvfb missing"
    # A free display: Xvfb picks it and writes its number to fd 3.
    exec 3>"$WORK/display"
    Xvfb -displayfd 3 -screen 0 1280x900x24 -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
    XVFB=$!
    trap 'kill $XVFB 2>/dev/null || true' EXIT
    for i in $(seq 100); do [ -s "$WORK/display" ] && break; sleep 0.1; done
    export DISPLAY=:$(head -1 "$WORK/display")
    log "Xvfb on $DISPLAY"
    t0=$SECONDS
    env G_MESSAGES_DEBUG=semantic-style GIMP3_DIRECTORY="$PROFILE" \
        SST_TEST_IMAGES="$SHARED_DIR/images" SST_TEST_WORK="$WORK" \
        SST_TEST_OUT="$ART" PYTHONDONTWRITEBYTECODE=1 \
        timeout 400 gimp-3.0 --no-splash -d -f --batch-interpreter=python-fu-eval \
        -b "import sys; sys.path.insert(0, '$HERE'); exec(open('$HERE/test_dialog.py').read())" \
        --quit >"$WORK/gimp.log" 2>&1 &
    GIMP=$!

    WID=$(timeout 180 xdotool search --sync --onlyvisible --name '^Semantic Style Transfer$' | head -1) ||
      { tail -30 "$WORK/gimp.log"; die "the dialog did not appear"; }
    log "dialog window $WID after $((SECONDS - t0)) s"

    # wait_preview N: until the N-th "preview ready" debug line.
    wait_preview() {
      for i in $(seq 300); do
        [ "$(grep -c 'preview ready' "$WORK/gimp.log")" -ge "$1" ] && return 0
        grep -q "preview failed" "$WORK/gimp.log" && break
        sleep 0.5
      done
      grep "preview" "$WORK/gimp.log" || true
      die "preview $1 did not arrive"
    }
    wait_preview 1
    line=$(grep 'preview ready' "$WORK/gimp.log" | head -1)
    log "first preview after $((SECONDS - t0)) s: ${line#*DEBUG: }"
    area=$(echo "$line" | sed -E 's/.* area=([0-9]+),([0-9]+),([0-9]+),([0-9]+).*/\1 \2 \3 \4/')
    # Progressive preview: the quick pass of the same job came first.
    gen=$(echo "$line" | sed -E 's/.* generation=([0-9]+) .*/\1/')
    coarse=$(grep "preview coarse: generation=$gen " "$WORK/gimp.log" | head -1)
    [ -n "$coarse" ] || die "no quick coarse preview before the full one (generation $gen)"
    echo "ok - quick pass shown first: ${coarse#*DEBUG: }"

    # A row with a step (the odd patch size) is a combo of exactly the
    # table's values, so the dialog offers no size the engine refuses.
    steps=$("$SST_BUILD_ROOT/tests/settings/settings_dump" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    if r["arg"] and r["type"] == "int" and r["step"] > 0:
        n = int((r["max"] - r["min"]) / r["step"]) + 1
        print(r["arg"], ",".join("%g" % (r["min"] + k * r["step"]) for k in range(n)))')
    [ -n "$steps" ] || die "no setting with a step in the table (settings_dump)"
    while read -r arg want; do
      got=$(grep -o "setting $arg: combo values=[0-9,]*" "$WORK/gimp.log" | tail -1 || true)
      [ "${got#*values=}" = "$want" ] ||
        die "$arg: the dialog offers '${got#*values=}', the table allows '$want'"
      echo "ok - $arg: the dialog offers exactly $want"
    done <<< "$steps"

    xdotool mousemove 1279 899          # no tooltip over the dialog
    sleep 1.5                           # let GTK paint
    import -window "$WID" "$ART/dialog.png"
    cp "$ART/dialog.png" "$WORK/dialog.png"

    # The three choosers (style layer, both maps are set) show thumbnails.
    thumbs=()
    for prop in style-layer content-map style-map; do
      tl=$(grep "thumbnail $prop: area=" "$WORK/gimp.log" | tail -1)
      [ -n "$tl" ] || die "no thumbnail drawn for $prop"
      thumbs+=("$prop" $(echo "$tl" | sed -E 's/.* area=([0-9]+),([0-9]+),([0-9]+),([0-9]+).*/\1 \2 \3 \4/'))
    done
    python3 "$HERE/check_thumbnails.py" "$WORK/dialog.png" "${thumbs[@]}" ||
        die "chooser thumbnails"

    # Preview off and on again (mnemonic Alt+P): the same inputs must reuse
    # the cached encodings: the second preview encodes neither the content
    # nor the style (input_encodes=0; a repeated pass still encodes its
    # own result, which the encode time includes).
    xdotool windowfocus "$WID"; sleep 0.3
    xdotool key --clearmodifiers alt+p; sleep 0.5
    xdotool key --clearmodifiers alt+p
    wait_preview 2
    line2=$(grep 'preview ready' "$WORK/gimp.log" | sed -n 2p)
    log "second preview: ${line2#*DEBUG: }"
    echo "$line2" | grep -Eq " input_encodes=0( |$)" ||
      die "the second preview re-encoded content/style instead of using the cache"
    echo "ok - second preview reused the cached encodings"

    # OK (mnemonic Alt+O); the script then checks the result layer.
    xdotool windowfocus "$WID"; sleep 0.3
    xdotool key --clearmodifiers alt+o
    for i in $(seq 600); do
      [ -f "$WORK/result-ready" ] && break
      kill -0 $GIMP 2>/dev/null || break
      sleep 0.5
    done
    [ -f "$WORK/result-ready" ] || { tail -30 "$WORK/gimp.log"; die "no result after OK"; }
    log "result after $((SECONDS - t0)) s"

    # Ctrl+Z in the image window.
    sleep 1
    IW=$(xdotool search --onlyvisible --name 'layers\) [0-9]+x[0-9]+ – GIMP$' | head -1)
    [ -n "$IW" ] || die "image window not found"
    xdotool windowfocus "$IW"; sleep 0.5
    xdotool key --clearmodifiers ctrl+z

    # Second dialog (no maps): "New map layers" (Alt+L), screenshot, Cancel;
    # the script checks the new layers.
    WID2=$(timeout 180 xdotool search --sync --onlyvisible --name '^Semantic Style Transfer$' | head -1) ||
      { tail -30 "$WORK/gimp.log"; die "the second dialog did not appear"; }
    sleep 2
    xdotool windowfocus "$WID2"; sleep 0.3
    xdotool key --clearmodifiers alt+l
    for i in $(seq 60); do grep -q "new map layers:" "$WORK/gimp.log" && break; sleep 0.5; done
    grep -q "new map layers:" "$WORK/gimp.log" || die "New map layers: no layers added"
    echo "ok - $(grep -m1 'new map layers:' "$WORK/gimp.log" | sed 's/.*DEBUG: //')"
    # Open "Advanced" (click its title) so the screenshot shows the knobs.
    ex=$(grep 'advanced expander: area=' "$WORK/gimp.log" | tail -1 |
         sed -E 's/.* area=([0-9]+),([0-9]+),.*/\1 \2/')
    [ -n "$ex" ] || die "no position of the Advanced expander"
    read -r ex_x ex_y <<<"$ex"
    xdotool mousemove --window "$WID2" $((ex_x + 30)) $((ex_y + 8)) click 1
    for i in $(seq 20); do grep -q "advanced expander: expanded=1" "$WORK/gimp.log" && break; sleep 0.3; done
    grep -q "advanced expander: expanded=1" "$WORK/gimp.log" || die "Advanced did not open"
    echo "ok - Advanced opens"
    xdotool mousemove 1279 899; sleep 1.5
    import -window "$WID2" "$ART/dialog-maps.png"
    xdotool windowfocus "$WID2"; sleep 0.3
    xdotool key --clearmodifiers Escape
    rc=0; wait $GIMP || rc=$?
    show_checks "$WORK/gimp.log"
    log "GIMP exit status $rc after $((SECONDS - t0)) s"
    [ $rc = 0 ] && grep -q "all checks passed" "$WORK/gimp.log" ||
      { tail -40 "$WORK/gimp.log"; die "dialog run"; }
    cp "$WORK/dialog-result.png" "$ART/dialog-result.png"

    # The region legend of the first dialog against the maps it was given.
    python3 "$HERE/check_legend.py" "$WORK/gimp.log" "$WORK/legend-content-map.png" \
        "$WORK/legend-style-map.png" || die "region legend"

    python3 "$HERE/check_preview.py" "$WORK/dialog.png" $area \
        "$SHARED_DIR/images/content_big.png" "$WORK/dialog-result.png" ||
        die "preview check"
    cp "$WORK/dialog-preview.png" "$ART/dialog-preview.png"
    ;;

  *) die "unknown test $SST_TEST_NAME" ;;
esac
log PASS
