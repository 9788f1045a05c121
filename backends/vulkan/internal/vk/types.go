// Package vk is the part of the Vulkan API that scalefit's compute backend calls, bound at run time to the system's
// Vulkan loader (libvulkan.so.1) with purego, so that no cgo and no Vulkan SDK is needed to build. It holds the C
// structures laid out as the C compiler lays them out on 64-bit targets, the enumerations and flags used, and one thin
// Go method per Vulkan command (commands.go). Handles of dispatchable objects (instance, physical device, device,
// queue, command buffer) are pointers, uintptr here; all other handles are 64-bit integers on every platform.
//
// Pointers inside a structure that Vulkan reads point at Go memory that the caller keeps pinned for the call
// (runtime.Pinner; see Pins), since Vulkan reads it while Go's collector runs.
package vk

import (
	"fmt"
	"runtime"
	"unsafe"
)

// Dispatchable handles.
type (
	Instance       uintptr
	PhysicalDevice uintptr
	Device         uintptr
	Queue          uintptr
	CommandBuffer  uintptr
)

// Non-dispatchable handles.
type (
	Buffer              uint64
	DeviceMemory        uint64
	ShaderModule        uint64
	Pipeline            uint64
	PipelineLayout      uint64
	DescriptorSetLayout uint64
	DescriptorPool      uint64
	DescriptorSet       uint64
	CommandPool         uint64
	Fence               uint64
)

// Bool32 is VkBool32.
type Bool32 uint32

// True and False are the VkBool32 values.
const (
	False Bool32 = 0
	True  Bool32 = 1
)

// MakeAPIVersion is VK_MAKE_API_VERSION(0, major, minor, patch).
func MakeAPIVersion(major, minor, patch uint32) uint32 { return major<<22 | minor<<12 | patch }

// APIVersionString formats a packed API version as "major.minor.patch".
func APIVersionString(v uint32) string {
	return fmt.Sprintf("%d.%d.%d", v>>22&0x7f, v>>12&0x3ff, v&0xfff)
}

// StructureType is VkStructureType: the sType member that opens every extensible structure.
type StructureType uint32

// The structure types used.
const (
	StructureTypeApplicationInfo                      StructureType = 0
	StructureTypeInstanceCreateInfo                   StructureType = 1
	StructureTypeDeviceQueueCreateInfo                StructureType = 2
	StructureTypeDeviceCreateInfo                     StructureType = 3
	StructureTypeSubmitInfo                           StructureType = 4
	StructureTypeMemoryAllocateInfo                   StructureType = 5
	StructureTypeFenceCreateInfo                      StructureType = 8
	StructureTypeBufferCreateInfo                     StructureType = 12
	StructureTypeShaderModuleCreateInfo               StructureType = 16
	StructureTypePipelineShaderStageCreateInfo        StructureType = 18
	StructureTypeComputePipelineCreateInfo            StructureType = 29
	StructureTypePipelineLayoutCreateInfo             StructureType = 30
	StructureTypeDescriptorSetLayoutCreateInfo        StructureType = 32
	StructureTypeDescriptorPoolCreateInfo             StructureType = 33
	StructureTypeDescriptorSetAllocateInfo            StructureType = 34
	StructureTypeWriteDescriptorSet                   StructureType = 35
	StructureTypeCommandPoolCreateInfo                StructureType = 39
	StructureTypeCommandBufferAllocateInfo            StructureType = 40
	StructureTypeCommandBufferBeginInfo               StructureType = 42
	StructureTypeMemoryBarrier                        StructureType = 46
	StructureTypePhysicalDeviceSubgroupProperties     StructureType = 1000094000
	StructureTypePhysicalDeviceProperties2            StructureType = 1000059001
	StructureTypePhysicalDeviceMaintenance3Properties StructureType = 1000168000
	StructureTypePhysicalDeviceDriverProperties       StructureType = 1000196000
	StructureTypePhysicalDeviceMaintenance4Properties StructureType = 1000413001
)

// PhysicalDeviceType is VkPhysicalDeviceType.
type PhysicalDeviceType uint32

// The physical device types.
const (
	PhysicalDeviceTypeOther         PhysicalDeviceType = 0
	PhysicalDeviceTypeIntegratedGPU PhysicalDeviceType = 1
	PhysicalDeviceTypeDiscreteGPU   PhysicalDeviceType = 2
	PhysicalDeviceTypeVirtualGPU    PhysicalDeviceType = 3
	PhysicalDeviceTypeCPU           PhysicalDeviceType = 4
)

func (t PhysicalDeviceType) String() string {
	switch t {
	case PhysicalDeviceTypeIntegratedGPU:
		return "integrated GPU"
	case PhysicalDeviceTypeDiscreteGPU:
		return "discrete GPU"
	case PhysicalDeviceTypeVirtualGPU:
		return "virtual GPU"
	case PhysicalDeviceTypeCPU:
		return "CPU"
	}
	return "other"
}

// Flags and enumerations, each under its C name without the VK_ prefix, in Go case.
const (
	QueueComputeBit = 0x2

	MemoryPropertyDeviceLocalBit  = 0x1
	MemoryPropertyHostVisibleBit  = 0x2
	MemoryPropertyHostCoherentBit = 0x4
	MemoryPropertyHostCachedBit   = 0x8

	MemoryHeapDeviceLocalBit = 0x1

	BufferUsageTransferSrcBit   = 0x1
	BufferUsageTransferDstBit   = 0x2
	BufferUsageStorageBufferBit = 0x20

	SharingModeExclusive = 0

	ShaderStageComputeBit = 0x20

	DescriptorTypeStorageBuffer = 7

	PipelineBindPointCompute = 1

	CommandPoolCreateResetCommandBufferBit = 0x2
	CommandBufferLevelPrimary              = 0
	CommandBufferUsageOneTimeSubmitBit     = 0x1

	PipelineStageTopOfPipeBit     = 0x1
	PipelineStageComputeShaderBit = 0x800
	PipelineStageTransferBit      = 0x1000
	PipelineStageBottomOfPipeBit  = 0x2000
	PipelineStageHostBit          = 0x4000

	AccessShaderReadBit    = 0x20
	AccessShaderWriteBit   = 0x40
	AccessTransferReadBit  = 0x800
	AccessTransferWriteBit = 0x1000
	AccessHostReadBit      = 0x2000
	AccessHostWriteBit     = 0x4000

	SubgroupFeatureBasicBit      = 0x1
	SubgroupFeatureArithmeticBit = 0x4

	WholeSize = ^uint64(0)
)

// ApplicationInfo is VkApplicationInfo.
type ApplicationInfo struct {
	SType              StructureType
	PNext              uintptr
	PApplicationName   uintptr
	ApplicationVersion uint32
	PEngineName        uintptr
	EngineVersion      uint32
	APIVersion         uint32
}

// InstanceCreateInfo is VkInstanceCreateInfo.
type InstanceCreateInfo struct {
	SType                   StructureType
	PNext                   uintptr
	Flags                   uint32
	PApplicationInfo        uintptr
	EnabledLayerCount       uint32
	PpEnabledLayerNames     uintptr
	EnabledExtensionCount   uint32
	PpEnabledExtensionNames uintptr
}

// PhysicalDeviceLimits is VkPhysicalDeviceLimits.
type PhysicalDeviceLimits struct {
	MaxImageDimension1D                             uint32
	MaxImageDimension2D                             uint32
	MaxImageDimension3D                             uint32
	MaxImageDimensionCube                           uint32
	MaxImageArrayLayers                             uint32
	MaxTexelBufferElements                          uint32
	MaxUniformBufferRange                           uint32
	MaxStorageBufferRange                           uint32
	MaxPushConstantsSize                            uint32
	MaxMemoryAllocationCount                        uint32
	MaxSamplerAllocationCount                       uint32
	BufferImageGranularity                          uint64
	SparseAddressSpaceSize                          uint64
	MaxBoundDescriptorSets                          uint32
	MaxPerStageDescriptorSamplers                   uint32
	MaxPerStageDescriptorUniformBuffers             uint32
	MaxPerStageDescriptorStorageBuffers             uint32
	MaxPerStageDescriptorSampledImages              uint32
	MaxPerStageDescriptorStorageImages              uint32
	MaxPerStageDescriptorInputAttachments           uint32
	MaxPerStageResources                            uint32
	MaxDescriptorSetSamplers                        uint32
	MaxDescriptorSetUniformBuffers                  uint32
	MaxDescriptorSetUniformBuffersDynamic           uint32
	MaxDescriptorSetStorageBuffers                  uint32
	MaxDescriptorSetStorageBuffersDynamic           uint32
	MaxDescriptorSetSampledImages                   uint32
	MaxDescriptorSetStorageImages                   uint32
	MaxDescriptorSetInputAttachments                uint32
	MaxVertexInputAttributes                        uint32
	MaxVertexInputBindings                          uint32
	MaxVertexInputAttributeOffset                   uint32
	MaxVertexInputBindingStride                     uint32
	MaxVertexOutputComponents                       uint32
	MaxTessellationGenerationLevel                  uint32
	MaxTessellationPatchSize                        uint32
	MaxTessellationControlPerVertexInputComponents  uint32
	MaxTessellationControlPerVertexOutputComponents uint32
	MaxTessellationControlPerPatchOutputComponents  uint32
	MaxTessellationControlTotalOutputComponents     uint32
	MaxTessellationEvaluationInputComponents        uint32
	MaxTessellationEvaluationOutputComponents       uint32
	MaxGeometryShaderInvocations                    uint32
	MaxGeometryInputComponents                      uint32
	MaxGeometryOutputComponents                     uint32
	MaxGeometryOutputVertices                       uint32
	MaxGeometryTotalOutputComponents                uint32
	MaxFragmentInputComponents                      uint32
	MaxFragmentOutputAttachments                    uint32
	MaxFragmentDualSrcAttachments                   uint32
	MaxFragmentCombinedOutputResources              uint32
	MaxComputeSharedMemorySize                      uint32
	MaxComputeWorkGroupCount                        [3]uint32
	MaxComputeWorkGroupInvocations                  uint32
	MaxComputeWorkGroupSize                         [3]uint32
	SubPixelPrecisionBits                           uint32
	SubTexelPrecisionBits                           uint32
	MipmapPrecisionBits                             uint32
	MaxDrawIndexedIndexValue                        uint32
	MaxDrawIndirectCount                            uint32
	MaxSamplerLodBias                               float32
	MaxSamplerAnisotropy                            float32
	MaxViewports                                    uint32
	MaxViewportDimensions                           [2]uint32
	ViewportBoundsRange                             [2]float32
	ViewportSubPixelBits                            uint32
	MinMemoryMapAlignment                           uintptr
	MinTexelBufferOffsetAlignment                   uint64
	MinUniformBufferOffsetAlignment                 uint64
	MinStorageBufferOffsetAlignment                 uint64
	MinTexelOffset                                  int32
	MaxTexelOffset                                  uint32
	MinTexelGatherOffset                            int32
	MaxTexelGatherOffset                            uint32
	MinInterpolationOffset                          float32
	MaxInterpolationOffset                          float32
	SubPixelInterpolationOffsetBits                 uint32
	MaxFramebufferWidth                             uint32
	MaxFramebufferHeight                            uint32
	MaxFramebufferLayers                            uint32
	FramebufferColorSampleCounts                    uint32
	FramebufferDepthSampleCounts                    uint32
	FramebufferStencilSampleCounts                  uint32
	FramebufferNoAttachmentsSampleCounts            uint32
	MaxColorAttachments                             uint32
	SampledImageColorSampleCounts                   uint32
	SampledImageIntegerSampleCounts                 uint32
	SampledImageDepthSampleCounts                   uint32
	SampledImageStencilSampleCounts                 uint32
	StorageImageSampleCounts                        uint32
	MaxSampleMaskWords                              uint32
	TimestampComputeAndGraphics                     Bool32
	TimestampPeriod                                 float32
	MaxClipDistances                                uint32
	MaxCullDistances                                uint32
	MaxCombinedClipAndCullDistances                 uint32
	DiscreteQueuePriorities                         uint32
	PointSizeRange                                  [2]float32
	LineWidthRange                                  [2]float32
	PointSizeGranularity                            float32
	LineWidthGranularity                            float32
	StrictLines                                     Bool32
	StandardSampleLocations                         Bool32
	OptimalBufferCopyOffsetAlignment                uint64
	OptimalBufferCopyRowPitchAlignment              uint64
	NonCoherentAtomSize                             uint64
}

// PhysicalDeviceFeatures is VkPhysicalDeviceFeatures: 55 VkBool32 members, of which scalefit reads and enables only
// shaderFloat64 (FeatureShaderFloat64).
type PhysicalDeviceFeatures [55]Bool32

// FeatureShaderFloat64 is the index of shaderFloat64 in PhysicalDeviceFeatures.
const FeatureShaderFloat64 = 39

// PhysicalDeviceSparseProperties is VkPhysicalDeviceSparseProperties.
type PhysicalDeviceSparseProperties struct {
	ResidencyStandard2DBlockShape            Bool32
	ResidencyStandard2DMultisampleBlockShape Bool32
	ResidencyStandard3DBlockShape            Bool32
	ResidencyAlignedMipSize                  Bool32
	ResidencyNonResidentStrict               Bool32
}

// PhysicalDeviceProperties is VkPhysicalDeviceProperties.
type PhysicalDeviceProperties struct {
	APIVersion        uint32
	DriverVersion     uint32
	VendorID          uint32
	DeviceID          uint32
	DeviceType        PhysicalDeviceType
	DeviceName        [256]byte
	PipelineCacheUUID [16]byte
	Limits            PhysicalDeviceLimits
	SparseProperties  PhysicalDeviceSparseProperties
}

// PhysicalDeviceProperties2 is VkPhysicalDeviceProperties2.
type PhysicalDeviceProperties2 struct {
	SType      StructureType
	PNext      uintptr
	Properties PhysicalDeviceProperties
}

// PhysicalDeviceSubgroupProperties is VkPhysicalDeviceSubgroupProperties.
type PhysicalDeviceSubgroupProperties struct {
	SType                     StructureType
	PNext                     uintptr
	SubgroupSize              uint32
	SupportedStages           uint32
	SupportedOperations       uint32
	QuadOperationsInAllStages Bool32
}

// PhysicalDeviceDriverProperties is VkPhysicalDeviceDriverProperties (Vulkan 1.2).
type PhysicalDeviceDriverProperties struct {
	SType              StructureType
	PNext              uintptr
	DriverID           uint32
	DriverName         [256]byte
	DriverInfo         [256]byte
	ConformanceVersion [4]uint8
}

// PhysicalDeviceMaintenance3Properties is VkPhysicalDeviceMaintenance3Properties (Vulkan 1.1).
type PhysicalDeviceMaintenance3Properties struct {
	SType                   StructureType
	PNext                   uintptr
	MaxPerSetDescriptors    uint32
	MaxMemoryAllocationSize uint64
}

// PhysicalDeviceMaintenance4Properties is VkPhysicalDeviceMaintenance4Properties (Vulkan 1.3).
type PhysicalDeviceMaintenance4Properties struct {
	SType         StructureType
	PNext         uintptr
	MaxBufferSize uint64
}

// MemoryType is VkMemoryType.
type MemoryType struct {
	PropertyFlags uint32
	HeapIndex     uint32
}

// MemoryHeap is VkMemoryHeap.
type MemoryHeap struct {
	Size  uint64
	Flags uint32
}

// PhysicalDeviceMemoryProperties is VkPhysicalDeviceMemoryProperties.
type PhysicalDeviceMemoryProperties struct {
	MemoryTypeCount uint32
	MemoryTypes     [32]MemoryType
	MemoryHeapCount uint32
	MemoryHeaps     [16]MemoryHeap
}

// QueueFamilyProperties is VkQueueFamilyProperties.
type QueueFamilyProperties struct {
	QueueFlags                  uint32
	QueueCount                  uint32
	TimestampValidBits          uint32
	MinImageTransferGranularity [3]uint32
}

// DeviceQueueCreateInfo is VkDeviceQueueCreateInfo.
type DeviceQueueCreateInfo struct {
	SType            StructureType
	PNext            uintptr
	Flags            uint32
	QueueFamilyIndex uint32
	QueueCount       uint32
	PQueuePriorities uintptr
}

// DeviceCreateInfo is VkDeviceCreateInfo.
type DeviceCreateInfo struct {
	SType                   StructureType
	PNext                   uintptr
	Flags                   uint32
	QueueCreateInfoCount    uint32
	PQueueCreateInfos       uintptr
	EnabledLayerCount       uint32
	PpEnabledLayerNames     uintptr
	EnabledExtensionCount   uint32
	PpEnabledExtensionNames uintptr
	PEnabledFeatures        uintptr
}

// BufferCreateInfo is VkBufferCreateInfo.
type BufferCreateInfo struct {
	SType                 StructureType
	PNext                 uintptr
	Flags                 uint32
	Size                  uint64
	Usage                 uint32
	SharingMode           uint32
	QueueFamilyIndexCount uint32
	PQueueFamilyIndices   uintptr
}

// MemoryRequirements is VkMemoryRequirements.
type MemoryRequirements struct {
	Size           uint64
	Alignment      uint64
	MemoryTypeBits uint32
}

// MemoryAllocateInfo is VkMemoryAllocateInfo.
type MemoryAllocateInfo struct {
	SType           StructureType
	PNext           uintptr
	AllocationSize  uint64
	MemoryTypeIndex uint32
}

// ShaderModuleCreateInfo is VkShaderModuleCreateInfo.
type ShaderModuleCreateInfo struct {
	SType    StructureType
	PNext    uintptr
	Flags    uint32
	CodeSize uintptr
	PCode    uintptr
}

// DescriptorSetLayoutBinding is VkDescriptorSetLayoutBinding.
type DescriptorSetLayoutBinding struct {
	Binding            uint32
	DescriptorType     uint32
	DescriptorCount    uint32
	StageFlags         uint32
	PImmutableSamplers uintptr
}

// DescriptorSetLayoutCreateInfo is VkDescriptorSetLayoutCreateInfo.
type DescriptorSetLayoutCreateInfo struct {
	SType        StructureType
	PNext        uintptr
	Flags        uint32
	BindingCount uint32
	PBindings    uintptr
}

// PushConstantRange is VkPushConstantRange.
type PushConstantRange struct {
	StageFlags uint32
	Offset     uint32
	Size       uint32
}

// PipelineLayoutCreateInfo is VkPipelineLayoutCreateInfo.
type PipelineLayoutCreateInfo struct {
	SType                  StructureType
	PNext                  uintptr
	Flags                  uint32
	SetLayoutCount         uint32
	PSetLayouts            uintptr
	PushConstantRangeCount uint32
	PPushConstantRanges    uintptr
}

// SpecializationMapEntry is VkSpecializationMapEntry.
type SpecializationMapEntry struct {
	ConstantID uint32
	Offset     uint32
	Size       uintptr
}

// SpecializationInfo is VkSpecializationInfo.
type SpecializationInfo struct {
	MapEntryCount uint32
	PMapEntries   uintptr
	DataSize      uintptr
	PData         uintptr
}

// PipelineShaderStageCreateInfo is VkPipelineShaderStageCreateInfo.
type PipelineShaderStageCreateInfo struct {
	SType               StructureType
	PNext               uintptr
	Flags               uint32
	Stage               uint32
	Module              ShaderModule
	PName               uintptr
	PSpecializationInfo uintptr
}

// ComputePipelineCreateInfo is VkComputePipelineCreateInfo.
type ComputePipelineCreateInfo struct {
	SType              StructureType
	PNext              uintptr
	Flags              uint32
	Stage              PipelineShaderStageCreateInfo
	Layout             PipelineLayout
	BasePipelineHandle Pipeline
	BasePipelineIndex  int32
}

// DescriptorPoolSize is VkDescriptorPoolSize.
type DescriptorPoolSize struct {
	Type            uint32
	DescriptorCount uint32
}

// DescriptorPoolCreateInfo is VkDescriptorPoolCreateInfo.
type DescriptorPoolCreateInfo struct {
	SType         StructureType
	PNext         uintptr
	Flags         uint32
	MaxSets       uint32
	PoolSizeCount uint32
	PPoolSizes    uintptr
}

// DescriptorSetAllocateInfo is VkDescriptorSetAllocateInfo.
type DescriptorSetAllocateInfo struct {
	SType              StructureType
	PNext              uintptr
	DescriptorPool     DescriptorPool
	DescriptorSetCount uint32
	PSetLayouts        uintptr
}

// DescriptorBufferInfo is VkDescriptorBufferInfo.
type DescriptorBufferInfo struct {
	Buffer Buffer
	Offset uint64
	Range  uint64
}

// WriteDescriptorSet is VkWriteDescriptorSet.
type WriteDescriptorSet struct {
	SType            StructureType
	PNext            uintptr
	DstSet           DescriptorSet
	DstBinding       uint32
	DstArrayElement  uint32
	DescriptorCount  uint32
	DescriptorType   uint32
	PImageInfo       uintptr
	PBufferInfo      uintptr
	PTexelBufferView uintptr
}

// CommandPoolCreateInfo is VkCommandPoolCreateInfo.
type CommandPoolCreateInfo struct {
	SType            StructureType
	PNext            uintptr
	Flags            uint32
	QueueFamilyIndex uint32
}

// CommandBufferAllocateInfo is VkCommandBufferAllocateInfo.
type CommandBufferAllocateInfo struct {
	SType              StructureType
	PNext              uintptr
	CommandPool        CommandPool
	Level              uint32
	CommandBufferCount uint32
}

// CommandBufferBeginInfo is VkCommandBufferBeginInfo.
type CommandBufferBeginInfo struct {
	SType            StructureType
	PNext            uintptr
	Flags            uint32
	PInheritanceInfo uintptr
}

// MemoryBarrier is VkMemoryBarrier.
type MemoryBarrier struct {
	SType         StructureType
	PNext         uintptr
	SrcAccessMask uint32
	DstAccessMask uint32
}

// SubmitInfo is VkSubmitInfo.
type SubmitInfo struct {
	SType                StructureType
	PNext                uintptr
	WaitSemaphoreCount   uint32
	PWaitSemaphores      uintptr
	PWaitDstStageMask    uintptr
	CommandBufferCount   uint32
	PCommandBuffers      uintptr
	SignalSemaphoreCount uint32
	PSignalSemaphores    uintptr
}

// FenceCreateInfo is VkFenceCreateInfo.
type FenceCreateInfo struct {
	SType StructureType
	PNext uintptr
	Flags uint32
}

// Pins keeps Go memory that Vulkan reads in place for the duration of a call. Take addresses with Ptr, Slice and
// CString, then Unpin once the call has returned.
type Pins struct{ p runtime.Pinner }

// Ptr pins *v and returns its address.
func Ptr[T any](p *Pins, v *T) uintptr {
	p.p.Pin(v)
	return uintptr(unsafe.Pointer(v))
}

// Slice pins the elements of s and returns the address of the first, or 0 for an empty slice.
func Slice[T any](p *Pins, s []T) uintptr {
	if len(s) == 0 {
		return 0
	}
	return Ptr(p, &s[0])
}

// CString returns the address of a pinned, NUL-terminated copy of s.
func (p *Pins) CString(s string) uintptr {
	b := make([]byte, len(s)+1)
	copy(b, s)
	return Slice(p, b)
}

// Unpin releases every pin.
func (p *Pins) Unpin() { p.p.Unpin() }

// GoString converts a NUL-terminated C char array, such as a device name, to a Go string.
func GoString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
