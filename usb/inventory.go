package usb

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/gousb"
)

// Driver states reported by the inventory besides a driver's name.
const (
	DriverNone    = "none"    // sysfs shows the interface with no driver bound
	DriverUnknown = "unknown" // sysfs is not available
)

// InterfaceInfo describes one interface of a device.
type InterfaceInfo struct {
	Number                    int
	Class, SubClass, Protocol uint8
	// Driver is the kernel driver bound to the interface ("usblp",
	// "usbhid", "usbfs" while a program has claimed it), DriverNone or
	// DriverUnknown.
	Driver string
}

// DeviceInfo describes a device for diagnostics.
type DeviceInfo struct {
	VID, PID     uint16
	Manufacturer string
	Product      string
	Serial       string
	Bus, Address int
	// Path is the kernel's name for the port chain, e.g. "1-1.4" (the sysfs
	// directory name); "usb1" for a root hub.
	Path       string
	Class      uint8 // device class; 0 means "per interface"
	Interfaces []InterfaceInfo
}

// Driver summarises the drivers of all interfaces, e.g. "usblp" or
// "usbhid,none".
func (i DeviceInfo) Driver() string {
	if len(i.Interfaces) == 0 {
		return DriverUnknown
	}
	var ds []string
	for _, in := range i.Interfaces {
		ds = append(ds, in.Driver)
	}
	return strings.Join(ds, ",")
}

// String is one line for logs and `kioskctl usb list`.
func (i DeviceInfo) String() string {
	var classes []string
	for _, in := range i.Interfaces {
		classes = append(classes, strconv.Itoa(int(in.Class)))
	}
	return fmt.Sprintf("%04x:%04x bus %d addr %d path %s class %s driver %s %q %q serial %q",
		i.VID, i.PID, i.Bus, i.Address, i.Path, strings.Join(classes, ","), i.Driver(),
		i.Manufacturer, i.Product, i.Serial)
}

func portPath(desc *gousb.DeviceDesc) string {
	if len(desc.Path) == 0 {
		return fmt.Sprintf("usb%d", desc.Bus)
	}
	ports := make([]string, len(desc.Path))
	for i, p := range desc.Path {
		ports[i] = strconv.Itoa(p)
	}
	return fmt.Sprintf("%d-%s", desc.Bus, strings.Join(ports, "."))
}

// describe fills what the descriptors and sysfs tell without opening the
// device.
func (h *Host) describe(desc *gousb.DeviceDesc) DeviceInfo {
	info := DeviceInfo{
		VID: uint16(desc.Vendor), PID: uint16(desc.Product),
		Bus: desc.Bus, Address: desc.Address, Path: portPath(desc), Class: uint8(desc.Class),
	}
	sys := filepath.Join(h.opts.SysfsRoot, "bus", "usb", "devices", info.Path)
	_, err := os.Stat(sys)
	sysfsOK := err == nil
	if sysfsOK {
		info.Manufacturer = readAttr(sys, "manufacturer")
		info.Product = readAttr(sys, "product")
		info.Serial = readAttr(sys, "serial")
	}
	cfgs := sortedConfigs(desc)
	if len(cfgs) > 0 {
		cfgNum := cfgs[0]
		if sysfsOK {
			if n, err := strconv.Atoi(readAttr(sys, "bConfigurationValue")); err == nil {
				if _, ok := desc.Configs[n]; ok {
					cfgNum = n
				}
			}
		}
		for _, in := range desc.Configs[cfgNum].Interfaces {
			ii := InterfaceInfo{Number: in.Number, Driver: DriverUnknown}
			if len(in.AltSettings) > 0 {
				a := in.AltSettings[0]
				ii.Class, ii.SubClass, ii.Protocol = uint8(a.Class), uint8(a.SubClass), uint8(a.Protocol)
			}
			if sysfsOK {
				ii.Driver = interfaceDriver(h.opts.SysfsRoot, fmt.Sprintf("%s:%d.%d", info.Path, cfgNum, in.Number))
			}
			info.Interfaces = append(info.Interfaces, ii)
		}
	}
	return info
}

func readAttr(dir, name string) string {
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func interfaceDriver(root, name string) string {
	dir := filepath.Join(root, "bus", "usb", "devices", name)
	if _, err := os.Stat(dir); err != nil {
		return DriverUnknown
	}
	target, err := os.Readlink(filepath.Join(dir, "driver"))
	if err != nil {
		return DriverNone
	}
	return filepath.Base(target)
}

// Inventory lists the connected devices, sorted by bus and path. Strings
// come from sysfs; when sysfs lacks them the device is opened briefly to read
// its string descriptors (which fails quietly without permission).
func (h *Host) Inventory(ctx context.Context) ([]DeviceInfo, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx == nil {
		return nil, fmt.Errorf("usb: inventory: host closed")
	}
	var infos []DeviceInfo
	need := map[[2]int]int{} // bus, address -> index in infos
	_, err := h.ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		info := h.describe(desc)
		infos = append(infos, info)
		if info.Manufacturer == "" && info.Product == "" && info.Serial == "" {
			need[[2]int{desc.Bus, desc.Address}] = len(infos) - 1
		}
		return false
	})
	if err != nil {
		return nil, fmt.Errorf("usb: inventory: %w", mapError(err))
	}
	if len(need) > 0 && ctx.Err() == nil {
		devs, _ := h.ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
			_, ok := need[[2]int{desc.Bus, desc.Address}]
			return ok
		})
		for _, d := range devs {
			d.ControlTimeout = time.Second
			i := need[[2]int{d.Desc.Bus, d.Desc.Address}]
			infos[i].Manufacturer, _ = d.Manufacturer()
			infos[i].Product, _ = d.Product()
			infos[i].Serial, _ = d.SerialNumber()
			d.Close()
		}
	}
	sort.Slice(infos, func(i, j int) bool {
		if infos[i].Bus != infos[j].Bus {
			return infos[i].Bus < infos[j].Bus
		}
		return infos[i].Path < infos[j].Path
	})
	return infos, nil
}

// present reports whether a device with this bus, address and VID:PID is
// still enumerated.
func (h *Host) present(info DeviceInfo) (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ctx == nil {
		return false, fmt.Errorf("usb: host closed")
	}
	found := false
	_, err := h.ctx.OpenDevices(func(desc *gousb.DeviceDesc) bool {
		if desc.Bus == info.Bus && desc.Address == info.Address &&
			uint16(desc.Vendor) == info.VID && uint16(desc.Product) == info.PID {
			found = true
		}
		return false
	})
	return found, err
}
