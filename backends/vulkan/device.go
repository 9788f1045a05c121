package vulkan

import (
	"errors"
	"fmt"
	"math"
	"sync"

	"github.com/scalefit/scalefit/backends/vulkan/internal/vk"
)

// ErrUnavailable is wrapped by every error that says Vulkan cannot run here at all: no loader, no driver, no device
// that can compute. Such an error reads "unavailable: …" and the backend's name goes in front of it.
var ErrUnavailable = errors.New("unavailable")

// minAPIVersion is the Vulkan version the backend needs from the loader and the device: 1.1, for subgroup properties
// and vkGetPhysicalDeviceProperties2 in core.
var minAPIVersion = vk.MakeAPIVersion(1, 1, 0)

// DeviceInfo describes one physical device as its driver reports it. Every limit the backend relies on is read from
// the driver here, never assumed.
type DeviceInfo struct {
	Index      int    // position in vkEnumeratePhysicalDevices, what --device selects
	Name       string // e.g. "llvmpipe (LLVM 15.0.6, 256 bits)"
	Type       string // "discrete GPU", "integrated GPU", "CPU", …
	APIVersion string // e.g. "1.3.230"
	Driver     string // driver name and info, e.g. "llvmpipe Mesa 22.3.6 (LLVM 15.0.6)"; empty before Vulkan 1.2

	MemoryBytes uint64 // the largest device-local heap

	MaxStorageBufferRange    uint64    // bytes one storage-buffer binding may see
	MinStorageBufferAlign    uint64    // alignment of a storage-buffer binding's offset
	MaxSharedMemory          uint32    // bytes of shared memory per workgroup
	MaxWorkGroupInvocations  uint32    // invocations per workgroup
	MaxWorkGroupCount        [3]uint32 // workgroups per dispatch, per dimension
	MaxPushConstants         uint32    // bytes of push constants
	MaxMemoryAllocationSize  uint64    // bytes of one allocation
	MaxBufferSize            uint64    // bytes of one buffer
	SubgroupSize             uint32    // invocations per subgroup
	SubgroupArithmetic       bool      // subgroupAdd and subgroupMax work in compute shaders
	Float64                  bool      // shaders may compute in float64 (shaderFloat64)
	MaxComputeWorkGroupSizeX uint32

	Usable bool   // the backend can run on it
	Why    string // why not, when !Usable
}

// String describes the device in one line, the way `scalefit backends` lists it.
func (i DeviceInfo) String() string {
	s := fmt.Sprintf("%d: %s (%s, %s", i.Index, i.Name, i.Type, formatBytes(i.MemoryBytes))
	if i.Driver != "" {
		s += ", " + i.Driver
	}
	s += ", Vulkan " + i.APIVersion + ")"
	if !i.Usable {
		s += " unusable: " + i.Why
	}
	return s
}

// formatBytes writes n bytes in GiB or MiB, e.g. "2.0 GiB".
func formatBytes(n uint64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

// instance is an opened loader with a Vulkan instance and the physical devices it lists.
type instance struct {
	lib   *vk.Lib
	inst  vk.Instance
	phys  []vk.PhysicalDevice
	infos []DeviceInfo
}

// The loader is opened once per process: a library cannot be unloaded safely while its driver threads may run.
var (
	loaderOnce sync.Once
	loaderLib  *vk.Lib
	loaderErr  error
)

func openLoader() (*vk.Lib, error) {
	loaderOnce.Do(func() { loaderLib, loaderErr = vk.Open() })
	return loaderLib, loaderErr
}

// openInstance opens the loader, creates an instance and describes every physical device. An error wraps
// ErrUnavailable when Vulkan is missing or too old, or when no device exists.
func openInstance() (*instance, error) {
	lib, err := openLoader()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	ver := lib.InstanceVersion()
	if ver < minAPIVersion {
		return nil, fmt.Errorf("%w: the Vulkan loader %s is version %s; 1.1 or newer is needed", ErrUnavailable, lib.Path, vk.APIVersionString(ver))
	}
	api := min(ver, vk.MakeAPIVersion(1, 3, 0))
	var p vk.Pins
	defer p.Unpin()
	app := vk.ApplicationInfo{
		SType: vk.StructureTypeApplicationInfo, PApplicationName: p.CString("scalefit"),
		PEngineName: p.CString("scalefit"), APIVersion: api,
	}
	info := vk.InstanceCreateInfo{SType: vk.StructureTypeInstanceCreateInfo, PApplicationInfo: vk.Ptr(&p, &app)}
	var inst vk.Instance
	if r := lib.CreateInstance(&info, &inst); r != vk.Success {
		if r == vk.ErrorIncompatibleDriver {
			return nil, fmt.Errorf("%w: no Vulkan driver is installed (vkCreateInstance: %v)", ErrUnavailable, r)
		}
		return nil, fmt.Errorf("%w: vkCreateInstance: %v", ErrUnavailable, r)
	}
	in := &instance{lib: lib, inst: inst}
	if err := lib.LoadInstance(inst); err != nil {
		in.close()
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	phys, err := lib.EnumeratePhysicalDevices(inst)
	if err != nil {
		in.close()
		return nil, fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if len(phys) == 0 {
		in.close()
		return nil, fmt.Errorf("%w: the Vulkan loader lists no device", ErrUnavailable)
	}
	in.phys = phys
	for i, pd := range phys {
		in.infos = append(in.infos, describe(lib, pd, i))
	}
	return in, nil
}

func (in *instance) close() {
	if in.inst != 0 {
		in.lib.DestroyInstance(in.inst)
		in.inst = 0
	}
}

// describe queries one physical device's properties, limits, memory and queues.
func describe(lib *vk.Lib, pd vk.PhysicalDevice, index int) DeviceInfo {
	var props vk.PhysicalDeviceProperties
	lib.GetPhysicalDeviceProperties(pd, &props)
	info := DeviceInfo{
		Index: index, Name: vk.GoString(props.DeviceName[:]), Type: props.DeviceType.String(),
		APIVersion: vk.APIVersionString(props.APIVersion), Usable: true,
	}
	lim := &props.Limits
	info.MaxStorageBufferRange = uint64(lim.MaxStorageBufferRange)
	info.MinStorageBufferAlign = max(lim.MinStorageBufferOffsetAlignment, 4)
	info.MaxSharedMemory = lim.MaxComputeSharedMemorySize
	info.MaxWorkGroupInvocations = lim.MaxComputeWorkGroupInvocations
	info.MaxWorkGroupCount = lim.MaxComputeWorkGroupCount
	info.MaxComputeWorkGroupSizeX = lim.MaxComputeWorkGroupSize[0]
	info.MaxPushConstants = lim.MaxPushConstantsSize
	info.MaxMemoryAllocationSize = math.MaxUint32 // Vulkan 1.0 has no limit to report; drivers then allow 4 GiB
	info.MaxBufferSize = math.MaxUint32

	var feat vk.PhysicalDeviceFeatures
	lib.GetPhysicalDeviceFeatures(pd, &feat)
	info.Float64 = feat[vk.FeatureShaderFloat64] != vk.False

	var mem vk.PhysicalDeviceMemoryProperties
	lib.GetPhysicalDeviceMemoryProperties(pd, &mem)
	for h := uint32(0); h < min(mem.MemoryHeapCount, 16); h++ {
		if mem.MemoryHeaps[h].Flags&vk.MemoryHeapDeviceLocalBit != 0 {
			info.MemoryBytes = max(info.MemoryBytes, mem.MemoryHeaps[h].Size)
		}
	}

	if props.APIVersion < minAPIVersion {
		info.Usable, info.Why = false, "Vulkan "+info.APIVersion+" device; 1.1 or newer is needed"
		return info
	}
	var p vk.Pins
	defer p.Unpin()
	sub := vk.PhysicalDeviceSubgroupProperties{SType: vk.StructureTypePhysicalDeviceSubgroupProperties}
	m3 := vk.PhysicalDeviceMaintenance3Properties{SType: vk.StructureTypePhysicalDeviceMaintenance3Properties, PNext: vk.Ptr(&p, &sub)}
	next := vk.Ptr(&p, &m3)
	drv := vk.PhysicalDeviceDriverProperties{SType: vk.StructureTypePhysicalDeviceDriverProperties, PNext: next}
	m4 := vk.PhysicalDeviceMaintenance4Properties{SType: vk.StructureTypePhysicalDeviceMaintenance4Properties}
	if props.APIVersion >= vk.MakeAPIVersion(1, 2, 0) {
		next = vk.Ptr(&p, &drv)
	}
	if props.APIVersion >= vk.MakeAPIVersion(1, 3, 0) {
		m4.PNext = next
		next = vk.Ptr(&p, &m4)
	}
	p2 := vk.PhysicalDeviceProperties2{SType: vk.StructureTypePhysicalDeviceProperties2, PNext: next}
	lib.GetPhysicalDeviceProperties2(pd, &p2)
	info.SubgroupSize = sub.SubgroupSize
	const want = vk.SubgroupFeatureBasicBit | vk.SubgroupFeatureArithmeticBit
	info.SubgroupArithmetic = sub.SupportedStages&vk.ShaderStageComputeBit != 0 && sub.SupportedOperations&want == want &&
		sub.SubgroupSize >= 4 && sub.SubgroupSize&(sub.SubgroupSize-1) == 0
	if m3.MaxMemoryAllocationSize > 0 {
		info.MaxMemoryAllocationSize = m3.MaxMemoryAllocationSize
	}
	if m4.MaxBufferSize > 0 {
		info.MaxBufferSize = m4.MaxBufferSize
	}
	if props.APIVersion >= vk.MakeAPIVersion(1, 2, 0) {
		info.Driver = vk.GoString(drv.DriverName[:])
		if di := vk.GoString(drv.DriverInfo[:]); di != "" {
			info.Driver += " " + di
		}
	}

	_, ok := computeFamily(lib.GetPhysicalDeviceQueueFamilyProperties(pd))
	switch {
	case !ok:
		info.Usable, info.Why = false, "no compute queue"
	case lim.MaxComputeWorkGroupInvocations < 256 || lim.MaxComputeSharedMemorySize < 16<<10:
		info.Usable, info.Why = false, fmt.Sprintf("workgroups of %d invocations and %d bytes of shared memory; 256 and 16 KiB are needed",
			lim.MaxComputeWorkGroupInvocations, lim.MaxComputeSharedMemorySize)
	case lim.MaxPushConstantsSize < 128:
		info.Usable, info.Why = false, fmt.Sprintf("%d bytes of push constants; 128 are needed", lim.MaxPushConstantsSize)
	}
	return info
}

// queueFamily is a queue family chosen for compute.
type queueFamily struct {
	index uint32
	props vk.QueueFamilyProperties
}

// computeFamily picks the first queue family with compute and at least one queue, preferring one without graphics
// (a dedicated compute queue), as GPUs run compute there with less interference.
func computeFamily(fams []vk.QueueFamilyProperties) (queueFamily, bool) {
	const graphics = 0x1
	best, found := queueFamily{}, false
	for i, f := range fams {
		if f.QueueFlags&vk.QueueComputeBit == 0 || f.QueueCount == 0 {
			continue
		}
		if !found || (best.props.QueueFlags&graphics != 0 && f.QueueFlags&graphics == 0) {
			best, found = queueFamily{index: uint32(i), props: f}, true
		}
	}
	return best, found
}

// Probe lists the Vulkan devices of this machine. Its error wraps ErrUnavailable when there is no loader, no driver
// or no device.
func Probe() ([]DeviceInfo, error) {
	in, err := openInstance()
	if err != nil {
		return nil, err
	}
	defer in.close()
	return in.infos, nil
}
