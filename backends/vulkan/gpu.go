package vulkan

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/scalefit/scalefit/backends/vulkan/internal/vk"
)

// errDeviceLost and errOutOfMemory are wrapped by the errors of a device that was lost and of an allocation that
// did not fit, so that the backend can say what happened in words.
var (
	errDeviceLost  = errors.New("the Vulkan device was lost (driver reset, crash or hang)")
	errOutOfMemory = errors.New("out of device memory")
)

// defaultTimeout bounds every wait for the device. One submission holds one layer of one batch, which takes
// milliseconds on a GPU and seconds to minutes on a CPU device; a wait this long means the device hangs.
const defaultTimeout = 30 * time.Minute

// memKind says what a buffer is for, which picks its memory type.
type memKind int

const (
	memDevice   memKind = iota // weights and activations: device-local
	memUpload                  // staging the host writes and shaders read once: host-visible, coherent
	memDownload                // results shaders write and the host reads: host-visible, coherent, cached if possible
)

// buffer is one VkBuffer bound at offset 0 to its own VkDeviceMemory; host-visible ones stay mapped.
type buffer struct {
	buf  vk.Buffer
	mem  vk.DeviceMemory
	size uint64
	kind memKind
	host []byte // the mapping, for memUpload and memDownload
}

// gpu is an opened logical device with one compute queue, one command buffer that collects the dispatches of a
// submission, and the pools and caches that recording needs. It is not safe for concurrent use; the staging
// goroutine of a prefetch only writes into mapped memory it owns.
type gpu struct {
	in    *instance
	lib   *vk.Lib
	info  DeviceInfo
	pd    vk.PhysicalDevice
	dev   vk.Device
	queue vk.Queue
	mem   vk.PhysicalDeviceMemoryProperties

	cmdPool   vk.CommandPool
	cb        vk.CommandBuffer
	fence     vk.Fence
	recording bool
	submits   int // submissions completed, for tests and statistics

	descPools []vk.DescriptorPool // every pool made; reset after each submission
	descCur   int                 // the pool sets come from now
	descUsed  int                 // sets allocated from descPools[descCur]

	modules   map[string]vk.ShaderModule
	pipelines map[pipelineKey]*pipeline

	heapBytes, usedBytes uint64 // device-local heap size and bytes allocated from it
	timeout              time.Duration

	retired []func() // run once the submission being recorded has completed: frees of buffers it may read
	err     error    // sticky: once set, recording stops and every Sync reports it
	fault   string   // the fault EnvFault asks for
}

// EnvFault names a fault for the backend to inject at its first submission, so that tests can check what a user sees
// when a device fails: "device-lost" makes the wait report VK_ERROR_DEVICE_LOST, "out-of-memory" makes the submission
// report VK_ERROR_OUT_OF_DEVICE_MEMORY, and "crash" aborts the process the way a crashing driver does.
const EnvFault = "SCALEFIT_VULKAN_FAULT"

// idleGPUs keeps the devices of closed op sets, by index, so that the next op set of the process finds its pipelines
// compiled (a driver may take a second or more per pipeline). Only healthy devices with nothing recorded are kept.
var idleGPUs = struct {
	sync.Mutex
	m map[int]*gpu
}{m: map[int]*gpu{}}

// openGPU returns device index: an idle one of this process, or one of a new instance.
func openGPU(index int) (*gpu, error) {
	idleGPUs.Lock()
	g := idleGPUs.m[index]
	delete(idleGPUs.m, index)
	idleGPUs.Unlock()
	if g != nil {
		return g, nil
	}
	in, err := openInstance()
	if err != nil {
		return nil, err
	}
	g, err = newGPU(in, index)
	if err != nil {
		in.close()
		return nil, err
	}
	return g, nil
}

// newGPU creates a logical device for physical device index of in.
func newGPU(in *instance, index int) (*gpu, error) {
	if index < 0 || index >= len(in.infos) {
		return nil, fmt.Errorf("%w: no device %d (this machine has %d: %s)", ErrUnavailable, index, len(in.infos), deviceList(in.infos))
	}
	info := in.infos[index]
	if !info.Usable {
		return nil, fmt.Errorf("%w: device %d (%s) cannot run compute: %s", ErrUnavailable, index, info.Name, info.Why)
	}
	lib, pd := in.lib, in.phys[index]
	fam, _ := computeFamily(lib.GetPhysicalDeviceQueueFamilyProperties(pd))
	g := &gpu{
		in: in, lib: lib, info: info, pd: pd, heapBytes: info.MemoryBytes, timeout: defaultTimeout,
		modules: map[string]vk.ShaderModule{}, pipelines: map[pipelineKey]*pipeline{},
	}
	g.fault = os.Getenv(EnvFault)
	if s := os.Getenv("SCALEFIT_VULKAN_TIMEOUT"); s != "" {
		if d, err := time.ParseDuration(s); err == nil && d > 0 {
			g.timeout = d
		}
	}
	lib.GetPhysicalDeviceMemoryProperties(pd, &g.mem)

	var p vk.Pins
	defer p.Unpin()
	prio := float32(1)
	qinfo := vk.DeviceQueueCreateInfo{
		SType: vk.StructureTypeDeviceQueueCreateInfo, QueueFamilyIndex: fam.index, QueueCount: 1,
		PQueuePriorities: vk.Ptr(&p, &prio),
	}
	var feat vk.PhysicalDeviceFeatures
	if info.Float64 {
		feat[vk.FeatureShaderFloat64] = vk.True
	}
	dinfo := vk.DeviceCreateInfo{
		SType: vk.StructureTypeDeviceCreateInfo, QueueCreateInfoCount: 1, PQueueCreateInfos: vk.Ptr(&p, &qinfo),
		PEnabledFeatures: vk.Ptr(&p, &feat),
	}
	if r := lib.CreateDevice(pd, &dinfo, &g.dev); r != vk.Success {
		return nil, fmt.Errorf("%w: device %d (%s): vkCreateDevice: %v", ErrUnavailable, index, info.Name, r)
	}
	g.queue = lib.GetDeviceQueue(g.dev, fam.index, 0)
	cpInfo := vk.CommandPoolCreateInfo{
		SType: vk.StructureTypeCommandPoolCreateInfo, Flags: vk.CommandPoolCreateResetCommandBufferBit, QueueFamilyIndex: fam.index,
	}
	if r := lib.CreateCommandPool(g.dev, &cpInfo, &g.cmdPool); r != vk.Success {
		g.close()
		return nil, fmt.Errorf("vkCreateCommandPool: %w", r)
	}
	if r := lib.AllocateCommandBuffer(g.dev, g.cmdPool, &g.cb); r != vk.Success {
		g.close()
		return nil, fmt.Errorf("vkAllocateCommandBuffers: %w", r)
	}
	if r := lib.CreateFence(g.dev, &g.fence); r != vk.Success {
		g.close()
		return nil, fmt.Errorf("vkCreateFence: %w", r)
	}
	return g, nil
}

// deviceList names the devices for an error message.
func deviceList(infos []DeviceInfo) string {
	s := ""
	for i, d := range infos {
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("%d: %s", d.Index, d.Name)
	}
	return s
}

// recycle keeps g for the next openGPU of its index when it is healthy and idle, and closes it otherwise. The
// caller has released every buffer it allocated.
func (g *gpu) recycle() {
	if g.err != nil || g.recording || len(g.retired) > 0 || g.usedBytes != 0 {
		g.close()
		return
	}
	idleGPUs.Lock()
	old := idleGPUs.m[g.info.Index]
	idleGPUs.m[g.info.Index] = g
	idleGPUs.Unlock()
	if old != nil {
		old.close()
	}
}

// close waits for the device to go idle and destroys everything the gpu created, then the instance. Buffers still
// allocated are the caller's to free first; the driver reclaims any that are left when the device goes.
func (g *gpu) close() {
	if g.dev != 0 {
		g.lib.DeviceWaitIdle(g.dev)
		for _, f := range g.retired {
			f()
		}
		g.retired = nil
		for _, p := range g.pipelines {
			g.lib.DestroyPipeline(g.dev, p.pipe)
			g.lib.DestroyPipelineLayout(g.dev, p.layout)
			g.lib.DestroyDescriptorSetLayout(g.dev, p.setLayout)
		}
		for _, m := range g.modules {
			g.lib.DestroyShaderModule(g.dev, m)
		}
		for _, dp := range g.descPools {
			g.lib.DestroyDescriptorPool(g.dev, dp)
		}
		if g.fence != 0 {
			g.lib.DestroyFence(g.dev, g.fence)
		}
		if g.cmdPool != 0 {
			g.lib.DestroyCommandPool(g.dev, g.cmdPool)
		}
		g.lib.DestroyDevice(g.dev)
		g.dev = 0
	}
	if g.in != nil {
		g.in.close()
		g.in = nil
	}
}

// fail records the first error of recording; later ones are consequences of it.
func (g *gpu) fail(err error) {
	if g.err == nil {
		g.err = err
	}
}

// memoryType picks the memory type for kind among those that bits allows.
func (g *gpu) memoryType(bits uint32, kind memKind) (uint32, bool) {
	const (
		local   = vk.MemoryPropertyDeviceLocalBit
		visible = vk.MemoryPropertyHostVisibleBit | vk.MemoryPropertyHostCoherentBit
		cached  = vk.MemoryPropertyHostCachedBit
	)
	type pref struct{ need, want, avoid uint32 }
	var prefs []pref
	switch kind {
	case memDevice:
		prefs = []pref{{local, 0, visible}, {local, 0, 0}, {0, 0, 0}}
	case memUpload:
		prefs = []pref{{visible, 0, local}, {visible, 0, 0}}
	case memDownload:
		prefs = []pref{{visible | cached, 0, 0}, {visible, 0, 0}}
	}
	for _, pr := range prefs {
		for i := uint32(0); i < min(g.mem.MemoryTypeCount, 32); i++ {
			f := g.mem.MemoryTypes[i].PropertyFlags
			if bits&(1<<i) != 0 && f&pr.need == pr.need && f&pr.avoid == 0 && f&pr.want == pr.want {
				return i, true
			}
		}
	}
	return 0, false
}

// alloc creates a buffer of size bytes (rounded up to 16) backed by its own memory of kind. Device memory is counted
// against the device-local heap, and an allocation that would overflow it fails with errOutOfMemory before the
// driver is asked.
func (g *gpu) alloc(size uint64, kind memKind) (*buffer, error) {
	size = (size + 15) &^ 15
	if size > g.info.MaxBufferSize || size > g.info.MaxMemoryAllocationSize {
		return nil, fmt.Errorf("%w: one buffer of %s exceeds the device's limit of %s", errOutOfMemory, formatBytes(size),
			formatBytes(min(g.info.MaxBufferSize, g.info.MaxMemoryAllocationSize)))
	}
	if kind == memDevice && g.heapBytes > 0 && g.usedBytes+size > g.heapBytes {
		return nil, fmt.Errorf("%w: %s more does not fit beside the %s in use (device memory: %s)", errOutOfMemory,
			formatBytes(size), formatBytes(g.usedBytes), formatBytes(g.heapBytes))
	}
	b := &buffer{size: size, kind: kind}
	info := vk.BufferCreateInfo{
		SType: vk.StructureTypeBufferCreateInfo, Size: size, SharingMode: vk.SharingModeExclusive,
		Usage: vk.BufferUsageStorageBufferBit | vk.BufferUsageTransferSrcBit | vk.BufferUsageTransferDstBit,
	}
	if r := g.lib.CreateBuffer(g.dev, &info, &b.buf); r != vk.Success {
		return nil, g.allocError("vkCreateBuffer", size, r)
	}
	var req vk.MemoryRequirements
	g.lib.GetBufferMemoryRequirements(g.dev, b.buf, &req)
	mt, ok := g.memoryType(req.MemoryTypeBits, kind)
	if !ok {
		g.lib.DestroyBuffer(g.dev, b.buf)
		return nil, fmt.Errorf("no memory type fits a buffer for kind %d (type bits %#x)", kind, req.MemoryTypeBits)
	}
	ainfo := vk.MemoryAllocateInfo{SType: vk.StructureTypeMemoryAllocateInfo, AllocationSize: req.Size, MemoryTypeIndex: mt}
	if r := g.lib.AllocateMemory(g.dev, &ainfo, &b.mem); r != vk.Success {
		g.lib.DestroyBuffer(g.dev, b.buf)
		return nil, g.allocError("vkAllocateMemory", req.Size, r)
	}
	if r := g.lib.BindBufferMemory(g.dev, b.buf, b.mem, 0); r != vk.Success {
		g.lib.FreeMemory(g.dev, b.mem)
		g.lib.DestroyBuffer(g.dev, b.buf)
		return nil, fmt.Errorf("vkBindBufferMemory: %w", r)
	}
	if kind != memDevice {
		host, r := g.lib.MapMemory(g.dev, b.mem, 0, size)
		if r != vk.Success {
			g.lib.FreeMemory(g.dev, b.mem)
			g.lib.DestroyBuffer(g.dev, b.buf)
			return nil, fmt.Errorf("vkMapMemory of %s: %w", formatBytes(size), r)
		}
		b.host = host
	} else {
		g.usedBytes += size
	}
	return b, nil
}

// allocError words a failed allocation.
func (g *gpu) allocError(what string, size uint64, r vk.Result) error {
	switch r {
	case vk.ErrorOutOfDeviceMemory, vk.ErrorOutOfHostMemory:
		return fmt.Errorf("%w: %s of %s failed (%v; %s in use of %s)", errOutOfMemory, what, formatBytes(size), r,
			formatBytes(g.usedBytes), formatBytes(g.heapBytes))
	case vk.ErrorDeviceLost:
		return fmt.Errorf("%w: %s: %v", errDeviceLost, what, r)
	}
	return fmt.Errorf("%s of %s: %w", what, formatBytes(size), r)
}

// release frees b now. Only call it when no recorded or running submission reads b; see free.
func (g *gpu) release(b *buffer) {
	if b == nil || b.buf == 0 {
		return
	}
	if b.host != nil {
		g.lib.UnmapMemory(g.dev, b.mem)
		b.host = nil
	} else {
		g.usedBytes -= b.size
	}
	g.lib.DestroyBuffer(g.dev, b.buf)
	g.lib.FreeMemory(g.dev, b.mem)
	b.buf, b.mem = 0, 0
}

// free releases b once the submission being recorded, which may read it, has completed; at once when none is.
func (g *gpu) free(b *buffer) {
	if g.recording {
		g.retired = append(g.retired, func() { g.release(b) })
		return
	}
	g.release(b)
}

// begin starts recording a submission if none is being recorded.
func (g *gpu) begin() bool {
	if g.err != nil {
		return false
	}
	if g.recording {
		return true
	}
	if r := g.lib.BeginCommandBuffer(g.cb); r != vk.Success {
		g.fail(fmt.Errorf("vkBeginCommandBuffer: %w", r))
		return false
	}
	g.recording = true
	return true
}

// barrier makes every earlier shader and transfer write visible to every later shader, transfer and host access.
func (g *gpu) barrier() {
	const (
		stages = vk.PipelineStageComputeShaderBit | vk.PipelineStageTransferBit
		writes = vk.AccessShaderWriteBit | vk.AccessTransferWriteBit
		reads  = vk.AccessShaderReadBit | vk.AccessShaderWriteBit | vk.AccessTransferReadBit | vk.AccessTransferWriteBit
	)
	g.lib.CmdPipelineBarrier(g.cb, stages, stages, writes, reads)
}

// submit ends the recording, submits it and waits for it, then runs the retired frees and recycles the descriptor
// pools. A device that was lost, or that does not finish within the timeout, leaves the gpu failed for good.
func (g *gpu) submit() error {
	if g.err != nil {
		return g.err
	}
	if !g.recording {
		return nil
	}
	g.recording = false
	const (
		writes = vk.AccessShaderWriteBit | vk.AccessTransferWriteBit
	)
	g.lib.CmdPipelineBarrier(g.cb, vk.PipelineStageComputeShaderBit|vk.PipelineStageTransferBit, vk.PipelineStageHostBit,
		writes, vk.AccessHostReadBit)
	if r := g.lib.EndCommandBuffer(g.cb); r != vk.Success {
		g.fail(g.deviceError("vkEndCommandBuffer", r))
		return g.err
	}
	r := g.lib.QueueSubmit(g.queue, g.cb, g.fence)
	switch g.fault {
	case "out-of-memory":
		r = vk.ErrorOutOfDeviceMemory
	case "crash":
		crash()
	}
	if r != vk.Success {
		g.fail(g.deviceError("vkQueueSubmit", r))
		return g.err
	}
	if err := g.wait(); err != nil {
		g.fail(err)
		return err
	}
	g.submits++
	if r := g.lib.ResetFence(g.dev, g.fence); r != vk.Success {
		g.fail(g.deviceError("vkResetFences", r))
		return g.err
	}
	if r := g.lib.ResetCommandBuffer(g.cb); r != vk.Success {
		g.fail(g.deviceError("vkResetCommandBuffer", r))
		return g.err
	}
	for _, f := range g.retired {
		f()
	}
	g.retired = g.retired[:0]
	for _, dp := range g.descPools {
		g.lib.ResetDescriptorPool(g.dev, dp)
	}
	g.descCur, g.descUsed = 0, 0
	return nil
}

// wait waits for the fence of the submission in flight, up to the timeout.
func (g *gpu) wait() error {
	r := g.lib.WaitForFence(g.dev, g.fence, uint64(g.timeout.Nanoseconds()))
	if g.fault == "device-lost" {
		r = vk.ErrorDeviceLost
	}
	switch r {
	case vk.Success:
		return nil
	case vk.Timeout:
		return fmt.Errorf("the Vulkan device did not finish its work within %v; it may hang (set SCALEFIT_VULKAN_TIMEOUT to wait longer)", g.timeout)
	default:
		return g.deviceError("vkWaitForFences", r)
	}
}

// crash ends the process as an unrecovered panic does, which is how the injected "crash" fault stands for a driver
// that takes its process down.
func crash() {
	block := make(chan struct{})
	go func() { panic("vulkan: injected driver crash (" + EnvFault + "=crash)") }()
	<-block
}

// deviceError words the failure of a command that submits or waits.
func (g *gpu) deviceError(what string, r vk.Result) error {
	switch r {
	case vk.ErrorDeviceLost:
		return fmt.Errorf("%w (%s: %v)", errDeviceLost, what, r)
	case vk.ErrorOutOfDeviceMemory, vk.ErrorOutOfHostMemory:
		return fmt.Errorf("%w (%s: %v)", errOutOfMemory, what, r)
	}
	return fmt.Errorf("%s: %w", what, r)
}
