package ui

import (
	"fmt"
	"strconv"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/danbib/kiosk/kiosk"
)

// The Tests page's tag inspector, its AFI write with confirmation, and the
// scanner test. Everything comes from View.Maint: tags on the pad (a
// library tag holds item data, never a patron's) and the kind of the last
// scan, never its number.

// tagAction is the name under which a tag row is registered, so a scenario
// can select it: the item id and part number, which a script knows before
// the reader has read the UID.
func tagAction(t kiosk.InspectTag) string {
	if t.Problem != "" {
		return "tag:" + t.UID
	}
	return "tag:" + t.ItemID + "/" + strconv.Itoa(t.Part)
}

// maintInspector lists the tags on the pad with their fields.
func (r *Renderer) maintInspector(mv *kiosk.MaintView) fyne.CanvasObject {
	list := container.NewVBox()
	for _, t := range mv.Tags {
		list.Add(r.tagRow(t, t.UID == mv.Selected && mv.Selected != ""))
	}
	if len(mv.Tags) == 0 {
		list.Add(para(r.t("maint.tags.empty"), widget.MediumImportance))
	}
	top := container.NewVBox(r.subheading("maint.tags.heading"), r.hint("maint.tags.hint"))
	return container.NewBorder(top, nil, nil, nil, touchScroll(inset(list, 0, 4, 16, 4)))
}

// maintAFIButtons secure or unsecure the selected tag (after a
// confirmation); they are disabled until a tag is selected.
func (r *Renderer) maintAFIButtons(mv *kiosk.MaintView) []fyne.CanvasObject {
	secure := r.iconButton("maint.button.secure", theme.VisibilityOffIcon(), widget.MediumImportance, kiosk.InMaintAFI{Secured: true})
	unsecure := r.iconButton("maint.button.unsecure", theme.VisibilityIcon(), widget.MediumImportance, kiosk.InMaintAFI{Secured: false})
	if mv.Selected == "" || mv.Busy != "" {
		disable(secure)
		disable(unsecure)
		delete(r.actions, "maint.button.secure")
		delete(r.actions, "maint.button.unsecure")
	}
	return []fyne.CanvasObject{secure, unsecure}
}

// tagRow is one tag: what it is, its data model fields, CRC and AFI.
func (r *Renderer) tagRow(t kiosk.InspectTag, selected bool) fyne.CanvasObject {
	var texts *fyne.Container
	uid := widget.NewLabel(r.t("maint.tags.uid", map[string]any{"UID": t.UID}))
	if t.Problem != "" {
		texts = lines(line(r.t("maint.tags.unreadable_"+t.Problem), true, widget.DangerImportance), uid)
	} else {
		crc := map[string]any{"CRC": fmt.Sprintf("%#04x", t.CRC)}
		crcLine := line(r.t("maint.tags.crc_ok", crc), false, widget.SuccessImportance)
		if !t.CRCOK {
			crcLine = line(r.t("maint.tags.crc_bad", crc), true, widget.DangerImportance)
		}
		afi := map[string]any{"AFI": fmt.Sprintf("%02X", t.AFI)}
		afiLine := widget.NewLabel(r.t("maint.tags.afi_unsecured", afi))
		afiLine.Importance = widget.WarningImportance
		if t.Secured {
			afiLine.SetText(r.t("maint.tags.afi_secured", afi))
			afiLine.Importance = widget.SuccessImportance
		}
		afiLine.TextStyle.Bold = true
		texts = lines(
			container.NewBorder(nil, nil, nil, uid,
				line(r.t("maint.tags.item", map[string]any{"Item": t.ItemID, "Part": t.Part, "Parts": t.Parts}), true, widget.MediumImportance)),
			line(r.t("maint.tags.owner", map[string]any{"Owner": t.Owner, "Usage": r.t("maint.usage." + strconv.Itoa(t.Usage)), "Version": t.Version}), false, widget.MediumImportance),
			container.NewBorder(nil, nil, afiLine, nil, crcLine))
		if t.Flags != "" {
			texts.Add(line(r.t("maint.tags.flags", map[string]any{"Flags": t.Flags}), false, widget.WarningImportance))
		}
	}
	mark := theme.RadioButtonIcon()
	stroke := colSeparator
	if selected {
		mark = theme.NewPrimaryThemedResource(theme.RadioButtonCheckedIcon())
		stroke = colPrimary
	}
	if t.Problem != "" {
		// An unreadable tag cannot be selected: its item id is unknown,
		// so a write could not be audited with it.
		return inset(panel(iconRow(icon(theme.NewErrorThemedResource(theme.ErrorIcon()), 40), inset(texts, 12, 0, 0, 0)), colBannerErr, nil), 0, 0, 0, 10)
	}
	row := panel(iconRow(icon(mark, 40), inset(texts, 12, 0, 0, 0)), colRow, stroke)
	tap := newTapArea(row, r.sendAction(tagAction(t), "", kiosk.InMaintSelectTag{UID: t.UID}))
	return inset(tap, 0, 0, 0, 10)
}

// maintConfirm asks before one tag's AFI is written.
func (r *Renderer) maintConfirm(c *kiosk.AFIRequest) fyne.CanvasObject {
	key := "maint.confirm.unsecure"
	if c.Secured {
		key = "maint.confirm.secure"
	}
	question := widget.NewLabel(r.t(key, map[string]any{"Item": c.ItemID, "UID": c.UID}))
	question.SizeName = theme.SizeNameSubHeadingText
	question.TextStyle.Bold = true
	question.Wrapping = fyne.TextWrapWord
	yes := r.iconButton("maint.button.confirm", theme.ConfirmIcon(), widget.HighImportance, kiosk.InMaintConfirm{Yes: true})
	no := r.iconButton("maint.button.cancel", theme.CancelIcon(), widget.MediumImportance, kiosk.InMaintConfirm{})
	box := container.NewVBox(r.heading("maint.confirm.heading"), inset(panel(question, colBannerWarn, nil), 0, 8, 0, 8),
		r.hint("maint.confirm.hint"), inset(container.NewHBox(yes, no), 0, 16, 0, 0))
	return box
}

// maintScanTest is the scanner test: the kind of the last scan only.
func (r *Renderer) maintScanTest(mv *kiosk.MaintView) fyne.CanvasObject {
	box := container.NewVBox(r.subheading("maint.scan.heading"), r.hint("maint.scan.hint"))
	if mv.ScanKind == "" {
		box.Add(line(r.t("maint.scan.none"), false, widget.MediumImportance))
	} else {
		imp := widget.SuccessImportance
		if mv.ScanKind == kiosk.ScanKindUnknown {
			imp = widget.WarningImportance
		}
		box.Add(line(r.t("maint.scan.kind_"+mv.ScanKind), true, imp))
	}
	return box
}
