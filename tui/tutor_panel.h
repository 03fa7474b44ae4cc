/*
 * tutor_panel.h — the tutor's live panel: this network's numbers for the
 * current step, as lines of spans (no curses).  Built by vxu_update().
 */
#ifndef VXU_TUTOR_PANEL_H
#define VXU_TUTOR_PANEL_H

#include "tui/tutor_state.h"

/* Builds the panel for st's current step and view into *out (cleared first),
 * laid out for st->lay.panel_w columns × st->lay.panel_rows rows: line 0 is
 * the panel's heading, then the values, then (when there is room) a plot.
 * Sets st->shown_view to the view used.  VX_ENOMEM when out of memory; a plot
 * that fails is left out, not fatal. */
vx_status vxu_panel_build(vxu_state *st, vxt_lines *out);

/* The view that fits a step with this title (VXU_VIEW_CHAIN when nothing
 * in the title points elsewhere).  Case-insensitive keyword match. */
vxu_view vxu_view_for_title(const char *title);

/* A short name of a view ("chain", "sigma'", ...), for messages. */
const char *vxu_view_name(vxu_view v, int utf8);

#endif
