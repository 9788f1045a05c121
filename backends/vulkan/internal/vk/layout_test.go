package vk

import (
	"testing"
	"unsafe"
)

// TestLayout checks the Go structures against the sizes and offsets that gcc gives the C structures of
// vulkan_core.h (Vulkan-Headers 1.3.239) on x86-64 Linux. A field missing, misplaced or of the wrong width shifts
// every later field and changes these numbers. The table was printed by a throwaway C program that applied sizeof and
// offsetof to each structure; arm64 lays these structures out identically.
func TestLayout(t *testing.T) {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		t.Skip("the C sizes below are for 64-bit targets")
	}
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"VkApplicationInfo", unsafe.Sizeof(ApplicationInfo{}), 48},
		{"VkPhysicalDeviceFeatures", unsafe.Sizeof(PhysicalDeviceFeatures{}), 220},
		{"offsetof(VkPhysicalDeviceFeatures, shaderFloat64)", FeatureShaderFloat64 * 4, 156},
		{"VkInstanceCreateInfo", unsafe.Sizeof(InstanceCreateInfo{}), 64},
		{"VkPhysicalDeviceLimits", unsafe.Sizeof(PhysicalDeviceLimits{}), 504},
		{"VkPhysicalDeviceProperties", unsafe.Sizeof(PhysicalDeviceProperties{}), 824},
		{"VkPhysicalDeviceProperties2", unsafe.Sizeof(PhysicalDeviceProperties2{}), 840},
		{"VkPhysicalDeviceSubgroupProperties", unsafe.Sizeof(PhysicalDeviceSubgroupProperties{}), 32},
		{"VkPhysicalDeviceDriverProperties", unsafe.Sizeof(PhysicalDeviceDriverProperties{}), 536},
		{"VkPhysicalDeviceMaintenance3Properties", unsafe.Sizeof(PhysicalDeviceMaintenance3Properties{}), 32},
		{"VkPhysicalDeviceMaintenance4Properties", unsafe.Sizeof(PhysicalDeviceMaintenance4Properties{}), 24},
		{"VkPhysicalDeviceMemoryProperties", unsafe.Sizeof(PhysicalDeviceMemoryProperties{}), 520},
		{"VkQueueFamilyProperties", unsafe.Sizeof(QueueFamilyProperties{}), 24},
		{"VkDeviceQueueCreateInfo", unsafe.Sizeof(DeviceQueueCreateInfo{}), 40},
		{"VkDeviceCreateInfo", unsafe.Sizeof(DeviceCreateInfo{}), 72},
		{"VkBufferCreateInfo", unsafe.Sizeof(BufferCreateInfo{}), 56},
		{"VkMemoryRequirements", unsafe.Sizeof(MemoryRequirements{}), 24},
		{"VkMemoryAllocateInfo", unsafe.Sizeof(MemoryAllocateInfo{}), 32},
		{"VkShaderModuleCreateInfo", unsafe.Sizeof(ShaderModuleCreateInfo{}), 40},
		{"VkDescriptorSetLayoutBinding", unsafe.Sizeof(DescriptorSetLayoutBinding{}), 24},
		{"VkDescriptorSetLayoutCreateInfo", unsafe.Sizeof(DescriptorSetLayoutCreateInfo{}), 32},
		{"VkPushConstantRange", unsafe.Sizeof(PushConstantRange{}), 12},
		{"VkPipelineLayoutCreateInfo", unsafe.Sizeof(PipelineLayoutCreateInfo{}), 48},
		{"VkSpecializationMapEntry", unsafe.Sizeof(SpecializationMapEntry{}), 16},
		{"VkSpecializationInfo", unsafe.Sizeof(SpecializationInfo{}), 32},
		{"VkPipelineShaderStageCreateInfo", unsafe.Sizeof(PipelineShaderStageCreateInfo{}), 48},
		{"VkComputePipelineCreateInfo", unsafe.Sizeof(ComputePipelineCreateInfo{}), 96},
		{"VkDescriptorPoolSize", unsafe.Sizeof(DescriptorPoolSize{}), 8},
		{"VkDescriptorPoolCreateInfo", unsafe.Sizeof(DescriptorPoolCreateInfo{}), 40},
		{"VkDescriptorSetAllocateInfo", unsafe.Sizeof(DescriptorSetAllocateInfo{}), 40},
		{"VkDescriptorBufferInfo", unsafe.Sizeof(DescriptorBufferInfo{}), 24},
		{"VkWriteDescriptorSet", unsafe.Sizeof(WriteDescriptorSet{}), 64},
		{"VkCommandPoolCreateInfo", unsafe.Sizeof(CommandPoolCreateInfo{}), 24},
		{"VkCommandBufferAllocateInfo", unsafe.Sizeof(CommandBufferAllocateInfo{}), 32},
		{"VkCommandBufferBeginInfo", unsafe.Sizeof(CommandBufferBeginInfo{}), 32},
		{"VkMemoryBarrier", unsafe.Sizeof(MemoryBarrier{}), 24},
		{"VkSubmitInfo", unsafe.Sizeof(SubmitInfo{}), 72},
		{"VkFenceCreateInfo", unsafe.Sizeof(FenceCreateInfo{}), 24},
		{"offsetof(VkPhysicalDeviceLimits, maxStorageBufferRange)", unsafe.Offsetof(PhysicalDeviceLimits{}.MaxStorageBufferRange), 28},
		{"offsetof(VkPhysicalDeviceLimits, minStorageBufferOffsetAlignment)", unsafe.Offsetof(PhysicalDeviceLimits{}.MinStorageBufferOffsetAlignment), 328},
		{"offsetof(VkPhysicalDeviceLimits, timestampPeriod)", unsafe.Offsetof(PhysicalDeviceLimits{}.TimestampPeriod), 424},
		{"offsetof(VkPhysicalDeviceLimits, nonCoherentAtomSize)", unsafe.Offsetof(PhysicalDeviceLimits{}.NonCoherentAtomSize), 496},
		{"offsetof(VkPhysicalDeviceProperties, limits)", unsafe.Offsetof(PhysicalDeviceProperties{}.Limits), 296},
		{"offsetof(VkPhysicalDeviceProperties, sparseProperties)", unsafe.Offsetof(PhysicalDeviceProperties{}.SparseProperties), 800},
		{"offsetof(VkPhysicalDeviceMemoryProperties, memoryHeaps)", unsafe.Offsetof(PhysicalDeviceMemoryProperties{}.MemoryHeaps), 264},
		{"offsetof(VkComputePipelineCreateInfo, layout)", unsafe.Offsetof(ComputePipelineCreateInfo{}.Layout), 72},
	} {
		if c.got != c.want {
			t.Errorf("%s: Go has %d, C has %d", c.name, c.got, c.want)
		}
	}
}
