package vk

import "fmt"

// Result is VkResult. The negative values are errors; Result implements error so that a failed command can be
// returned as one.
type Result int32

// The results that scalefit looks for by value.
const (
	Success                   Result = 0
	NotReady                  Result = 1
	Timeout                   Result = 2
	Incomplete                Result = 5
	ErrorOutOfHostMemory      Result = -1
	ErrorOutOfDeviceMemory    Result = -2
	ErrorInitializationFailed Result = -3
	ErrorDeviceLost           Result = -4
	ErrorMemoryMapFailed      Result = -5
	ErrorLayerNotPresent      Result = -6
	ErrorExtensionNotPresent  Result = -7
	ErrorFeatureNotPresent    Result = -8
	ErrorIncompatibleDriver   Result = -9
	ErrorTooManyObjects       Result = -10
	ErrorFragmentedPool       Result = -12
	ErrorUnknown              Result = -13
	ErrorOutOfPoolMemory      Result = -1000069000
	ErrorFragmentation        Result = -1000161000
)

var resultNames = map[Result]string{
	Success:                   "VK_SUCCESS",
	NotReady:                  "VK_NOT_READY",
	Timeout:                   "VK_TIMEOUT",
	Incomplete:                "VK_INCOMPLETE",
	ErrorOutOfHostMemory:      "VK_ERROR_OUT_OF_HOST_MEMORY",
	ErrorOutOfDeviceMemory:    "VK_ERROR_OUT_OF_DEVICE_MEMORY",
	ErrorInitializationFailed: "VK_ERROR_INITIALIZATION_FAILED",
	ErrorDeviceLost:           "VK_ERROR_DEVICE_LOST",
	ErrorMemoryMapFailed:      "VK_ERROR_MEMORY_MAP_FAILED",
	ErrorLayerNotPresent:      "VK_ERROR_LAYER_NOT_PRESENT",
	ErrorExtensionNotPresent:  "VK_ERROR_EXTENSION_NOT_PRESENT",
	ErrorFeatureNotPresent:    "VK_ERROR_FEATURE_NOT_PRESENT",
	ErrorIncompatibleDriver:   "VK_ERROR_INCOMPATIBLE_DRIVER",
	ErrorTooManyObjects:       "VK_ERROR_TOO_MANY_OBJECTS",
	ErrorFragmentedPool:       "VK_ERROR_FRAGMENTED_POOL",
	ErrorUnknown:              "VK_ERROR_UNKNOWN",
	ErrorOutOfPoolMemory:      "VK_ERROR_OUT_OF_POOL_MEMORY",
	ErrorFragmentation:        "VK_ERROR_FRAGMENTATION",
}

// Error returns the result's C name, e.g. "VK_ERROR_DEVICE_LOST".
func (r Result) Error() string {
	if n, ok := resultNames[r]; ok {
		return n
	}
	return fmt.Sprintf("VkResult %d", int32(r))
}

// Err returns nil for success and the non-error status codes (VK_NOT_READY, VK_TIMEOUT, VK_INCOMPLETE, …), and r
// itself for an error.
func (r Result) Err() error {
	if r >= 0 {
		return nil
	}
	return r
}
