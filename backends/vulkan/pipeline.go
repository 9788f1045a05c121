package vulkan

import (
	"embed"
	"fmt"
	"strings"

	"github.com/scalefit/scalefit/backends/vulkan/internal/vk"
)

// spirv holds the compute shaders, compiled from shaders/*.comp by shaders/gen.sh and committed, so that building
// scalefit needs no shader compiler.
//
//go:embed shaders/*.spv
var spirv embed.FS

// pushBytes is the size of the push-constant range of every pipeline: 128 bytes, the least any device offers.
const pushBytes = 128

// Descriptor pools hold descPoolSets sets of up to maxBindings storage buffers each.
const (
	descPoolSets = 1024
	maxBindings  = 8
)

// pipelineKey names a pipeline: a shader and the values of its specialization constants.
type pipelineKey struct {
	shader string
	spec   string
}

// pipeline is a compute pipeline with its layout: set 0 holds bindings storage buffers, at bindings 0..n−1.
type pipeline struct {
	name      string
	bindings  int
	setLayout vk.DescriptorSetLayout
	layout    vk.PipelineLayout
	pipe      vk.Pipeline
}

// binding is the part of a buffer that one storage-buffer binding sees: size bytes from off, which is a multiple of
// the device's minStorageBufferOffsetAlignment.
type binding struct {
	buf       *buffer
	off, size uint64
}

// shaderModule returns the module of the embedded shader name, creating it on first use.
func (g *gpu) shaderModule(name string) (vk.ShaderModule, error) {
	if m, ok := g.modules[name]; ok {
		return m, nil
	}
	code, err := spirv.ReadFile("shaders/" + name + ".spv")
	if err != nil {
		return 0, fmt.Errorf("shader %s: %w", name, err)
	}
	if len(code)%4 != 0 || len(code) == 0 {
		return 0, fmt.Errorf("shader %s: %d bytes is not SPIR-V", name, len(code))
	}
	words := make([]uint32, len(code)/4) // aligned copy
	for i := range words {
		words[i] = uint32(code[4*i]) | uint32(code[4*i+1])<<8 | uint32(code[4*i+2])<<16 | uint32(code[4*i+3])<<24
	}
	var p vk.Pins
	defer p.Unpin()
	info := vk.ShaderModuleCreateInfo{SType: vk.StructureTypeShaderModuleCreateInfo, CodeSize: uintptr(len(code)), PCode: vk.Slice(&p, words)}
	var m vk.ShaderModule
	if r := g.lib.CreateShaderModule(g.dev, &info, &m); r != vk.Success {
		return 0, fmt.Errorf("shader %s: vkCreateShaderModule: %w", name, r)
	}
	g.modules[name] = m
	return m, nil
}

// pipeline returns the pipeline of shader name with bindings storage buffers and the specialization constants spec
// (constant_id 0, 1, … in order), creating it on first use. On failure it records the error and returns nil.
func (g *gpu) pipeline(name string, bindings int, spec ...uint32) *pipeline {
	var sb strings.Builder
	for _, v := range spec {
		fmt.Fprintf(&sb, "%d,", v)
	}
	key := pipelineKey{name, sb.String()}
	if p, ok := g.pipelines[key]; ok {
		return p
	}
	p, err := g.newPipeline(name, bindings, spec)
	if err != nil {
		g.fail(err)
		return nil
	}
	g.pipelines[key] = p
	return p
}

func (g *gpu) newPipeline(name string, bindings int, spec []uint32) (*pipeline, error) {
	if bindings > maxBindings {
		return nil, fmt.Errorf("shader %s: %d bindings, more than %d", name, bindings, maxBindings)
	}
	mod, err := g.shaderModule(name)
	if err != nil {
		return nil, err
	}
	var p vk.Pins
	defer p.Unpin()
	pl := &pipeline{name: name, bindings: bindings}
	binds := make([]vk.DescriptorSetLayoutBinding, bindings)
	for i := range binds {
		binds[i] = vk.DescriptorSetLayoutBinding{
			Binding: uint32(i), DescriptorType: vk.DescriptorTypeStorageBuffer, DescriptorCount: 1, StageFlags: vk.ShaderStageComputeBit,
		}
	}
	slInfo := vk.DescriptorSetLayoutCreateInfo{
		SType: vk.StructureTypeDescriptorSetLayoutCreateInfo, BindingCount: uint32(bindings), PBindings: vk.Slice(&p, binds),
	}
	if r := g.lib.CreateDescriptorSetLayout(g.dev, &slInfo, &pl.setLayout); r != vk.Success {
		return nil, fmt.Errorf("shader %s: vkCreateDescriptorSetLayout: %w", name, r)
	}
	push := vk.PushConstantRange{StageFlags: vk.ShaderStageComputeBit, Size: pushBytes}
	plInfo := vk.PipelineLayoutCreateInfo{
		SType: vk.StructureTypePipelineLayoutCreateInfo, SetLayoutCount: 1, PSetLayouts: vk.Ptr(&p, &pl.setLayout),
		PushConstantRangeCount: 1, PPushConstantRanges: vk.Ptr(&p, &push),
	}
	if r := g.lib.CreatePipelineLayout(g.dev, &plInfo, &pl.layout); r != vk.Success {
		g.lib.DestroyDescriptorSetLayout(g.dev, pl.setLayout)
		return nil, fmt.Errorf("shader %s: vkCreatePipelineLayout: %w", name, r)
	}
	var specInfo *vk.SpecializationInfo
	if len(spec) > 0 {
		entries := make([]vk.SpecializationMapEntry, len(spec))
		data := make([]uint32, len(spec))
		for i, v := range spec {
			entries[i] = vk.SpecializationMapEntry{ConstantID: uint32(i), Offset: uint32(4 * i), Size: 4}
			data[i] = v
		}
		specInfo = &vk.SpecializationInfo{
			MapEntryCount: uint32(len(spec)), PMapEntries: vk.Slice(&p, entries), DataSize: uintptr(4 * len(spec)), PData: vk.Slice(&p, data),
		}
	}
	stage := vk.PipelineShaderStageCreateInfo{
		SType: vk.StructureTypePipelineShaderStageCreateInfo, Stage: vk.ShaderStageComputeBit, Module: mod, PName: p.CString("main"),
	}
	if specInfo != nil {
		stage.PSpecializationInfo = vk.Ptr(&p, specInfo)
	}
	cpInfo := vk.ComputePipelineCreateInfo{SType: vk.StructureTypeComputePipelineCreateInfo, Stage: stage, Layout: pl.layout, BasePipelineIndex: -1}
	if r := g.lib.CreateComputePipeline(g.dev, &cpInfo, &pl.pipe); r != vk.Success {
		g.lib.DestroyPipelineLayout(g.dev, pl.layout)
		g.lib.DestroyDescriptorSetLayout(g.dev, pl.setLayout)
		return nil, fmt.Errorf("shader %s: vkCreateComputePipelines: %w", name, r)
	}
	return pl, nil
}

// descriptorSet allocates a set for p from the pools of the submission being recorded.
func (g *gpu) descriptorSet(p *pipeline) (vk.DescriptorSet, error) {
	if g.descCur < len(g.descPools) && g.descUsed == descPoolSets {
		g.descCur, g.descUsed = g.descCur+1, 0
	}
	if g.descCur == len(g.descPools) {
		var pins vk.Pins
		defer pins.Unpin()
		size := vk.DescriptorPoolSize{Type: vk.DescriptorTypeStorageBuffer, DescriptorCount: descPoolSets * maxBindings}
		info := vk.DescriptorPoolCreateInfo{
			SType: vk.StructureTypeDescriptorPoolCreateInfo, MaxSets: descPoolSets, PoolSizeCount: 1, PPoolSizes: vk.Ptr(&pins, &size),
		}
		var dp vk.DescriptorPool
		if r := g.lib.CreateDescriptorPool(g.dev, &info, &dp); r != vk.Success {
			return 0, fmt.Errorf("vkCreateDescriptorPool: %w", r)
		}
		g.descPools = append(g.descPools, dp)
		g.descUsed = 0
	}
	var set vk.DescriptorSet
	if r := g.lib.AllocateDescriptorSet(g.dev, g.descPools[g.descCur], p.setLayout, &set); r != vk.Success {
		return 0, fmt.Errorf("vkAllocateDescriptorSets: %w", r)
	}
	g.descUsed++
	return set, nil
}

// dispatch records one dispatch of p over groups (x, y, z) with binds at bindings 0, 1, … and the push constants
// push, followed by a barrier, into the submission being recorded. Errors are recorded for Sync to report.
func (g *gpu) dispatch(p *pipeline, binds []binding, push []uint32, x, y, z uint32) {
	if p == nil || !g.begin() {
		return
	}
	if len(binds) != p.bindings {
		panic(fmt.Sprintf("vulkan: shader %s takes %d bindings, given %d", p.name, p.bindings, len(binds)))
	}
	if len(push)*4 > pushBytes {
		panic(fmt.Sprintf("vulkan: shader %s: %d bytes of push constants", p.name, len(push)*4))
	}
	if x == 0 || y == 0 || z == 0 {
		return
	}
	lim := g.info.MaxWorkGroupCount
	if x > lim[0] || y > lim[1] || z > lim[2] {
		g.fail(fmt.Errorf("shader %s: %d×%d×%d workgroups exceed the device's %v", p.name, x, y, z, lim))
		return
	}
	set, err := g.descriptorSet(p)
	if err != nil {
		g.fail(err)
		return
	}
	var pins vk.Pins
	defer pins.Unpin()
	infos := make([]vk.DescriptorBufferInfo, len(binds))
	writes := make([]vk.WriteDescriptorSet, len(binds))
	for i, b := range binds {
		if b.buf == nil || b.buf.buf == 0 {
			g.fail(fmt.Errorf("shader %s: binding %d has no buffer", p.name, i))
			return
		}
		if b.off%g.info.MinStorageBufferAlign != 0 || b.size > g.info.MaxStorageBufferRange || b.off+b.size > b.buf.size {
			panic(fmt.Sprintf("vulkan: shader %s: binding %d [%d, +%d) of a %d-byte buffer breaks alignment %d or range %d",
				p.name, i, b.off, b.size, b.buf.size, g.info.MinStorageBufferAlign, g.info.MaxStorageBufferRange))
		}
		infos[i] = vk.DescriptorBufferInfo{Buffer: b.buf.buf, Offset: b.off, Range: max(b.size, 4)}
		writes[i] = vk.WriteDescriptorSet{
			SType: vk.StructureTypeWriteDescriptorSet, DstSet: set, DstBinding: uint32(i), DescriptorCount: 1,
			DescriptorType: vk.DescriptorTypeStorageBuffer, PBufferInfo: vk.Ptr(&pins, &infos[i]),
		}
	}
	g.lib.UpdateDescriptorSets(g.dev, writes)
	g.lib.CmdBindPipeline(g.cb, p.pipe)
	g.lib.CmdBindDescriptorSet(g.cb, p.layout, set)
	g.lib.CmdPushConstants(g.cb, p.layout, push)
	g.lib.CmdDispatch(g.cb, x, y, z)
	g.barrier()
}
