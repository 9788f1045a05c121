package vk

import (
	"errors"
	"fmt"
	"unsafe"
)

// Lib is an opened Vulkan loader: the global commands, and after LoadInstance every instance- and device-level
// command that scalefit calls, resolved through vkGetInstanceProcAddr. Its methods mirror the C commands, each taking
// Go pointers that it pins for the call; pointers inside the structures passed must be pinned by the caller.
type Lib struct {
	Path string // the loader library opened

	getInstanceProcAddr uintptr

	createInstance           uintptr
	enumerateInstanceVersion uintptr

	destroyInstance                        uintptr
	enumeratePhysicalDevices               uintptr
	getPhysicalDeviceProperties            uintptr
	getPhysicalDeviceFeatures              uintptr
	getPhysicalDeviceProperties2           uintptr
	getPhysicalDeviceMemoryProperties      uintptr
	getPhysicalDeviceQueueFamilyProperties uintptr
	createDevice                           uintptr

	destroyDevice               uintptr
	getDeviceQueue              uintptr
	deviceWaitIdle              uintptr
	createBuffer                uintptr
	destroyBuffer               uintptr
	getBufferMemoryRequirements uintptr
	allocateMemory              uintptr
	freeMemory                  uintptr
	bindBufferMemory            uintptr
	mapMemory                   uintptr
	unmapMemory                 uintptr
	createShaderModule          uintptr
	destroyShaderModule         uintptr
	createDescriptorSetLayout   uintptr
	destroyDescriptorSetLayout  uintptr
	createPipelineLayout        uintptr
	destroyPipelineLayout       uintptr
	createComputePipelines      uintptr
	destroyPipeline             uintptr
	createDescriptorPool        uintptr
	destroyDescriptorPool       uintptr
	resetDescriptorPool         uintptr
	allocateDescriptorSets      uintptr
	updateDescriptorSets        uintptr
	createCommandPool           uintptr
	destroyCommandPool          uintptr
	allocateCommandBuffers      uintptr
	beginCommandBuffer          uintptr
	endCommandBuffer            uintptr
	resetCommandBuffer          uintptr
	cmdBindPipeline             uintptr
	cmdBindDescriptorSets       uintptr
	cmdPushConstants            uintptr
	cmdDispatch                 uintptr
	cmdPipelineBarrier          uintptr
	createFence                 uintptr
	destroyFence                uintptr
	resetFences                 uintptr
	waitForFences               uintptr
	queueSubmit                 uintptr
}

// ErrNoLoader is wrapped by Open's error when no Vulkan loader library could be opened.
var ErrNoLoader = errors.New("no Vulkan loader")

// procAddr resolves name through vkGetInstanceProcAddr for inst (0 for the global commands).
func (l *Lib) procAddr(inst Instance, name string) uintptr {
	var p Pins
	defer p.Unpin()
	return call(l.getInstanceProcAddr, uintptr(inst), p.CString(name))
}

// loadGlobal resolves the commands that need no instance.
func (l *Lib) loadGlobal() error {
	l.createInstance = l.procAddr(0, "vkCreateInstance")
	if l.createInstance == 0 {
		return fmt.Errorf("%s: vkCreateInstance not found", l.Path)
	}
	l.enumerateInstanceVersion = l.procAddr(0, "vkEnumerateInstanceVersion") // absent in a Vulkan 1.0 loader
	return nil
}

// LoadInstance resolves every instance- and device-level command for inst. A command that the loader does not
// provide is an error naming it.
func (l *Lib) LoadInstance(inst Instance) error {
	for _, c := range []struct {
		dst  *uintptr
		name string
	}{
		{&l.destroyInstance, "vkDestroyInstance"},
		{&l.enumeratePhysicalDevices, "vkEnumeratePhysicalDevices"},
		{&l.getPhysicalDeviceProperties, "vkGetPhysicalDeviceProperties"},
		{&l.getPhysicalDeviceFeatures, "vkGetPhysicalDeviceFeatures"},
		{&l.getPhysicalDeviceProperties2, "vkGetPhysicalDeviceProperties2"},
		{&l.getPhysicalDeviceMemoryProperties, "vkGetPhysicalDeviceMemoryProperties"},
		{&l.getPhysicalDeviceQueueFamilyProperties, "vkGetPhysicalDeviceQueueFamilyProperties"},
		{&l.createDevice, "vkCreateDevice"},
		{&l.destroyDevice, "vkDestroyDevice"},
		{&l.getDeviceQueue, "vkGetDeviceQueue"},
		{&l.deviceWaitIdle, "vkDeviceWaitIdle"},
		{&l.createBuffer, "vkCreateBuffer"},
		{&l.destroyBuffer, "vkDestroyBuffer"},
		{&l.getBufferMemoryRequirements, "vkGetBufferMemoryRequirements"},
		{&l.allocateMemory, "vkAllocateMemory"},
		{&l.freeMemory, "vkFreeMemory"},
		{&l.bindBufferMemory, "vkBindBufferMemory"},
		{&l.mapMemory, "vkMapMemory"},
		{&l.unmapMemory, "vkUnmapMemory"},
		{&l.createShaderModule, "vkCreateShaderModule"},
		{&l.destroyShaderModule, "vkDestroyShaderModule"},
		{&l.createDescriptorSetLayout, "vkCreateDescriptorSetLayout"},
		{&l.destroyDescriptorSetLayout, "vkDestroyDescriptorSetLayout"},
		{&l.createPipelineLayout, "vkCreatePipelineLayout"},
		{&l.destroyPipelineLayout, "vkDestroyPipelineLayout"},
		{&l.createComputePipelines, "vkCreateComputePipelines"},
		{&l.destroyPipeline, "vkDestroyPipeline"},
		{&l.createDescriptorPool, "vkCreateDescriptorPool"},
		{&l.destroyDescriptorPool, "vkDestroyDescriptorPool"},
		{&l.resetDescriptorPool, "vkResetDescriptorPool"},
		{&l.allocateDescriptorSets, "vkAllocateDescriptorSets"},
		{&l.updateDescriptorSets, "vkUpdateDescriptorSets"},
		{&l.createCommandPool, "vkCreateCommandPool"},
		{&l.destroyCommandPool, "vkDestroyCommandPool"},
		{&l.allocateCommandBuffers, "vkAllocateCommandBuffers"},
		{&l.beginCommandBuffer, "vkBeginCommandBuffer"},
		{&l.endCommandBuffer, "vkEndCommandBuffer"},
		{&l.resetCommandBuffer, "vkResetCommandBuffer"},
		{&l.cmdBindPipeline, "vkCmdBindPipeline"},
		{&l.cmdBindDescriptorSets, "vkCmdBindDescriptorSets"},
		{&l.cmdPushConstants, "vkCmdPushConstants"},
		{&l.cmdDispatch, "vkCmdDispatch"},
		{&l.cmdPipelineBarrier, "vkCmdPipelineBarrier"},
		{&l.createFence, "vkCreateFence"},
		{&l.destroyFence, "vkDestroyFence"},
		{&l.resetFences, "vkResetFences"},
		{&l.waitForFences, "vkWaitForFences"},
		{&l.queueSubmit, "vkQueueSubmit"},
	} {
		*c.dst = l.procAddr(inst, c.name)
		if *c.dst == 0 {
			return fmt.Errorf("%s: %s not found (a Vulkan 1.1 loader is needed)", l.Path, c.name)
		}
	}
	return nil
}

func result(r uintptr) Result { return Result(int32(uint32(r))) }

// create calls one of the vkCreate… and vkAllocate… commands of the form (device, info, allocator, out), without an
// allocator.
func create[I, O any](fn uintptr, d Device, info *I, out *O) Result {
	var p Pins
	defer p.Unpin()
	return result(call(fn, uintptr(d), Ptr(&p, info), 0, Ptr(&p, out)))
}

// InstanceVersion returns the loader's Vulkan version, 1.0.0 for a loader without vkEnumerateInstanceVersion.
func (l *Lib) InstanceVersion() uint32 {
	if l.enumerateInstanceVersion == 0 {
		return MakeAPIVersion(1, 0, 0)
	}
	var v uint32
	var p Pins
	defer p.Unpin()
	if result(call(l.enumerateInstanceVersion, Ptr(&p, &v))) != Success {
		return MakeAPIVersion(1, 0, 0)
	}
	return v
}

// CreateInstance is vkCreateInstance.
func (l *Lib) CreateInstance(info *InstanceCreateInfo, out *Instance) Result {
	var p Pins
	defer p.Unpin()
	return result(call(l.createInstance, Ptr(&p, info), 0, Ptr(&p, out)))
}

// DestroyInstance is vkDestroyInstance.
func (l *Lib) DestroyInstance(inst Instance) { call(l.destroyInstance, uintptr(inst), 0) }

// EnumeratePhysicalDevices is vkEnumeratePhysicalDevices, both calls: it returns every physical device.
func (l *Lib) EnumeratePhysicalDevices(inst Instance) ([]PhysicalDevice, error) {
	var p Pins
	defer p.Unpin()
	var n uint32
	if r := result(call(l.enumeratePhysicalDevices, uintptr(inst), Ptr(&p, &n), 0)); r.Err() != nil {
		return nil, fmt.Errorf("vkEnumeratePhysicalDevices: %w", r)
	}
	if n == 0 {
		return nil, nil
	}
	devs := make([]PhysicalDevice, n)
	r := result(call(l.enumeratePhysicalDevices, uintptr(inst), Ptr(&p, &n), Slice(&p, devs)))
	if r.Err() != nil {
		return nil, fmt.Errorf("vkEnumeratePhysicalDevices: %w", r)
	}
	return devs[:n], nil
}

// GetPhysicalDeviceProperties is vkGetPhysicalDeviceProperties.
func (l *Lib) GetPhysicalDeviceProperties(pd PhysicalDevice, out *PhysicalDeviceProperties) {
	var p Pins
	defer p.Unpin()
	call(l.getPhysicalDeviceProperties, uintptr(pd), Ptr(&p, out))
}

// GetPhysicalDeviceFeatures is vkGetPhysicalDeviceFeatures.
func (l *Lib) GetPhysicalDeviceFeatures(pd PhysicalDevice, out *PhysicalDeviceFeatures) {
	var p Pins
	defer p.Unpin()
	call(l.getPhysicalDeviceFeatures, uintptr(pd), Ptr(&p, out))
}

// GetPhysicalDeviceProperties2 is vkGetPhysicalDeviceProperties2; the caller pins the structures chained on PNext.
func (l *Lib) GetPhysicalDeviceProperties2(pd PhysicalDevice, out *PhysicalDeviceProperties2) {
	var p Pins
	defer p.Unpin()
	call(l.getPhysicalDeviceProperties2, uintptr(pd), Ptr(&p, out))
}

// GetPhysicalDeviceMemoryProperties is vkGetPhysicalDeviceMemoryProperties.
func (l *Lib) GetPhysicalDeviceMemoryProperties(pd PhysicalDevice, out *PhysicalDeviceMemoryProperties) {
	var p Pins
	defer p.Unpin()
	call(l.getPhysicalDeviceMemoryProperties, uintptr(pd), Ptr(&p, out))
}

// GetPhysicalDeviceQueueFamilyProperties is vkGetPhysicalDeviceQueueFamilyProperties, both calls.
func (l *Lib) GetPhysicalDeviceQueueFamilyProperties(pd PhysicalDevice) []QueueFamilyProperties {
	var p Pins
	defer p.Unpin()
	var n uint32
	call(l.getPhysicalDeviceQueueFamilyProperties, uintptr(pd), Ptr(&p, &n), 0)
	if n == 0 {
		return nil
	}
	fams := make([]QueueFamilyProperties, n)
	call(l.getPhysicalDeviceQueueFamilyProperties, uintptr(pd), Ptr(&p, &n), Slice(&p, fams))
	return fams[:n]
}

// CreateDevice is vkCreateDevice.
func (l *Lib) CreateDevice(pd PhysicalDevice, info *DeviceCreateInfo, out *Device) Result {
	var p Pins
	defer p.Unpin()
	return result(call(l.createDevice, uintptr(pd), Ptr(&p, info), 0, Ptr(&p, out)))
}

// DestroyDevice is vkDestroyDevice.
func (l *Lib) DestroyDevice(d Device) { call(l.destroyDevice, uintptr(d), 0) }

// GetDeviceQueue is vkGetDeviceQueue.
func (l *Lib) GetDeviceQueue(d Device, family, index uint32) Queue {
	var q Queue
	var p Pins
	defer p.Unpin()
	call(l.getDeviceQueue, uintptr(d), uintptr(family), uintptr(index), Ptr(&p, &q))
	return q
}

// DeviceWaitIdle is vkDeviceWaitIdle.
func (l *Lib) DeviceWaitIdle(d Device) Result { return result(call(l.deviceWaitIdle, uintptr(d))) }

// CreateBuffer is vkCreateBuffer.
func (l *Lib) CreateBuffer(d Device, info *BufferCreateInfo, out *Buffer) Result {
	return create(l.createBuffer, d, info, out)
}

// DestroyBuffer is vkDestroyBuffer.
func (l *Lib) DestroyBuffer(d Device, b Buffer) { call(l.destroyBuffer, uintptr(d), uintptr(b), 0) }

// GetBufferMemoryRequirements is vkGetBufferMemoryRequirements.
func (l *Lib) GetBufferMemoryRequirements(d Device, b Buffer, out *MemoryRequirements) {
	var p Pins
	defer p.Unpin()
	call(l.getBufferMemoryRequirements, uintptr(d), uintptr(b), Ptr(&p, out))
}

// AllocateMemory is vkAllocateMemory.
func (l *Lib) AllocateMemory(d Device, info *MemoryAllocateInfo, out *DeviceMemory) Result {
	return create(l.allocateMemory, d, info, out)
}

// FreeMemory is vkFreeMemory.
func (l *Lib) FreeMemory(d Device, m DeviceMemory) { call(l.freeMemory, uintptr(d), uintptr(m), 0) }

// BindBufferMemory is vkBindBufferMemory.
func (l *Lib) BindBufferMemory(d Device, b Buffer, m DeviceMemory, offset uint64) Result {
	return result(call(l.bindBufferMemory, uintptr(d), uintptr(b), uintptr(m), uintptr(offset)))
}

// MapMemory is vkMapMemory; it returns the mapping as a byte slice of size bytes.
func (l *Lib) MapMemory(d Device, m DeviceMemory, offset, size uint64) ([]byte, Result) {
	var ptr unsafe.Pointer
	var p Pins
	defer p.Unpin()
	r := result(call(l.mapMemory, uintptr(d), uintptr(m), uintptr(offset), uintptr(size), 0, Ptr(&p, &ptr)))
	if r != Success {
		return nil, r
	}
	return unsafe.Slice((*byte)(ptr), size), Success
}

// UnmapMemory is vkUnmapMemory.
func (l *Lib) UnmapMemory(d Device, m DeviceMemory) { call(l.unmapMemory, uintptr(d), uintptr(m)) }

// CreateShaderModule is vkCreateShaderModule.
func (l *Lib) CreateShaderModule(d Device, info *ShaderModuleCreateInfo, out *ShaderModule) Result {
	return create(l.createShaderModule, d, info, out)
}

// DestroyShaderModule is vkDestroyShaderModule.
func (l *Lib) DestroyShaderModule(d Device, m ShaderModule) {
	call(l.destroyShaderModule, uintptr(d), uintptr(m), 0)
}

// CreateDescriptorSetLayout is vkCreateDescriptorSetLayout.
func (l *Lib) CreateDescriptorSetLayout(d Device, info *DescriptorSetLayoutCreateInfo, out *DescriptorSetLayout) Result {
	return create(l.createDescriptorSetLayout, d, info, out)
}

// DestroyDescriptorSetLayout is vkDestroyDescriptorSetLayout.
func (l *Lib) DestroyDescriptorSetLayout(d Device, s DescriptorSetLayout) {
	call(l.destroyDescriptorSetLayout, uintptr(d), uintptr(s), 0)
}

// CreatePipelineLayout is vkCreatePipelineLayout.
func (l *Lib) CreatePipelineLayout(d Device, info *PipelineLayoutCreateInfo, out *PipelineLayout) Result {
	return create(l.createPipelineLayout, d, info, out)
}

// DestroyPipelineLayout is vkDestroyPipelineLayout.
func (l *Lib) DestroyPipelineLayout(d Device, pl PipelineLayout) {
	call(l.destroyPipelineLayout, uintptr(d), uintptr(pl), 0)
}

// CreateComputePipeline is vkCreateComputePipelines for one pipeline, without a pipeline cache.
func (l *Lib) CreateComputePipeline(d Device, info *ComputePipelineCreateInfo, out *Pipeline) Result {
	var p Pins
	defer p.Unpin()
	return result(call(l.createComputePipelines, uintptr(d), 0, 1, Ptr(&p, info), 0, Ptr(&p, out)))
}

// DestroyPipeline is vkDestroyPipeline.
func (l *Lib) DestroyPipeline(d Device, pl Pipeline) {
	call(l.destroyPipeline, uintptr(d), uintptr(pl), 0)
}

// CreateDescriptorPool is vkCreateDescriptorPool.
func (l *Lib) CreateDescriptorPool(d Device, info *DescriptorPoolCreateInfo, out *DescriptorPool) Result {
	return create(l.createDescriptorPool, d, info, out)
}

// DestroyDescriptorPool is vkDestroyDescriptorPool.
func (l *Lib) DestroyDescriptorPool(d Device, dp DescriptorPool) {
	call(l.destroyDescriptorPool, uintptr(d), uintptr(dp), 0)
}

// ResetDescriptorPool is vkResetDescriptorPool.
func (l *Lib) ResetDescriptorPool(d Device, dp DescriptorPool) Result {
	return result(call(l.resetDescriptorPool, uintptr(d), uintptr(dp), 0))
}

// AllocateDescriptorSet is vkAllocateDescriptorSets for one set.
func (l *Lib) AllocateDescriptorSet(d Device, pool DescriptorPool, layout DescriptorSetLayout, out *DescriptorSet) Result {
	var p Pins
	defer p.Unpin()
	info := DescriptorSetAllocateInfo{
		SType: StructureTypeDescriptorSetAllocateInfo, DescriptorPool: pool, DescriptorSetCount: 1,
		PSetLayouts: Ptr(&p, &layout),
	}
	return result(call(l.allocateDescriptorSets, uintptr(d), Ptr(&p, &info), Ptr(&p, out)))
}

// UpdateDescriptorSets is vkUpdateDescriptorSets with writes only; the caller pins each write's PBufferInfo.
func (l *Lib) UpdateDescriptorSets(d Device, writes []WriteDescriptorSet) {
	var p Pins
	defer p.Unpin()
	call(l.updateDescriptorSets, uintptr(d), uintptr(len(writes)), Slice(&p, writes), 0, 0)
}

// CreateCommandPool is vkCreateCommandPool.
func (l *Lib) CreateCommandPool(d Device, info *CommandPoolCreateInfo, out *CommandPool) Result {
	return create(l.createCommandPool, d, info, out)
}

// DestroyCommandPool is vkDestroyCommandPool.
func (l *Lib) DestroyCommandPool(d Device, cp CommandPool) {
	call(l.destroyCommandPool, uintptr(d), uintptr(cp), 0)
}

// AllocateCommandBuffer is vkAllocateCommandBuffers for one primary command buffer.
func (l *Lib) AllocateCommandBuffer(d Device, pool CommandPool, out *CommandBuffer) Result {
	var p Pins
	defer p.Unpin()
	info := CommandBufferAllocateInfo{
		SType: StructureTypeCommandBufferAllocateInfo, CommandPool: pool, Level: CommandBufferLevelPrimary,
		CommandBufferCount: 1,
	}
	return result(call(l.allocateCommandBuffers, uintptr(d), Ptr(&p, &info), Ptr(&p, out)))
}

// BeginCommandBuffer is vkBeginCommandBuffer for one submission.
func (l *Lib) BeginCommandBuffer(cb CommandBuffer) Result {
	var p Pins
	defer p.Unpin()
	info := CommandBufferBeginInfo{SType: StructureTypeCommandBufferBeginInfo, Flags: CommandBufferUsageOneTimeSubmitBit}
	return result(call(l.beginCommandBuffer, uintptr(cb), Ptr(&p, &info)))
}

// EndCommandBuffer is vkEndCommandBuffer.
func (l *Lib) EndCommandBuffer(cb CommandBuffer) Result {
	return result(call(l.endCommandBuffer, uintptr(cb)))
}

// ResetCommandBuffer is vkResetCommandBuffer.
func (l *Lib) ResetCommandBuffer(cb CommandBuffer) Result {
	return result(call(l.resetCommandBuffer, uintptr(cb), 0))
}

// CmdBindPipeline is vkCmdBindPipeline at the compute bind point.
func (l *Lib) CmdBindPipeline(cb CommandBuffer, pl Pipeline) {
	call(l.cmdBindPipeline, uintptr(cb), PipelineBindPointCompute, uintptr(pl))
}

// CmdBindDescriptorSet is vkCmdBindDescriptorSets for set 0 at the compute bind point.
func (l *Lib) CmdBindDescriptorSet(cb CommandBuffer, layout PipelineLayout, set DescriptorSet) {
	var p Pins
	defer p.Unpin()
	call(l.cmdBindDescriptorSets, uintptr(cb), PipelineBindPointCompute, uintptr(layout), 0, 1, Ptr(&p, &set), 0, 0)
}

// CmdPushConstants is vkCmdPushConstants for the compute stage from offset 0.
func (l *Lib) CmdPushConstants(cb CommandBuffer, layout PipelineLayout, data []uint32) {
	if len(data) == 0 {
		return
	}
	var p Pins
	defer p.Unpin()
	call(l.cmdPushConstants, uintptr(cb), uintptr(layout), ShaderStageComputeBit, 0, uintptr(4*len(data)), Slice(&p, data))
}

// CmdDispatch is vkCmdDispatch.
func (l *Lib) CmdDispatch(cb CommandBuffer, x, y, z uint32) {
	call(l.cmdDispatch, uintptr(cb), uintptr(x), uintptr(y), uintptr(z))
}

// CmdPipelineBarrier is vkCmdPipelineBarrier with one global memory barrier.
func (l *Lib) CmdPipelineBarrier(cb CommandBuffer, srcStage, dstStage, srcAccess, dstAccess uint32) {
	var p Pins
	defer p.Unpin()
	b := MemoryBarrier{SType: StructureTypeMemoryBarrier, SrcAccessMask: srcAccess, DstAccessMask: dstAccess}
	call(l.cmdPipelineBarrier, uintptr(cb), uintptr(srcStage), uintptr(dstStage), 0, 1, Ptr(&p, &b), 0, 0, 0, 0)
}

// CreateFence is vkCreateFence, unsignalled.
func (l *Lib) CreateFence(d Device, out *Fence) Result {
	var p Pins
	defer p.Unpin()
	info := FenceCreateInfo{SType: StructureTypeFenceCreateInfo}
	return result(call(l.createFence, uintptr(d), Ptr(&p, &info), 0, Ptr(&p, out)))
}

// DestroyFence is vkDestroyFence.
func (l *Lib) DestroyFence(d Device, f Fence) { call(l.destroyFence, uintptr(d), uintptr(f), 0) }

// ResetFence is vkResetFences for one fence.
func (l *Lib) ResetFence(d Device, f Fence) Result {
	var p Pins
	defer p.Unpin()
	return result(call(l.resetFences, uintptr(d), 1, Ptr(&p, &f)))
}

// WaitForFence is vkWaitForFences for one fence, with a timeout in nanoseconds.
func (l *Lib) WaitForFence(d Device, f Fence, timeoutNs uint64) Result {
	var p Pins
	defer p.Unpin()
	return result(call(l.waitForFences, uintptr(d), 1, Ptr(&p, &f), uintptr(True), uintptr(timeoutNs)))
}

// QueueSubmit is vkQueueSubmit of one command buffer, signalling fence.
func (l *Lib) QueueSubmit(q Queue, cb CommandBuffer, fence Fence) Result {
	var p Pins
	defer p.Unpin()
	info := SubmitInfo{SType: StructureTypeSubmitInfo, CommandBufferCount: 1, PCommandBuffers: Ptr(&p, &cb)}
	return result(call(l.queueSubmit, uintptr(q), 1, Ptr(&p, &info), uintptr(fence)))
}
