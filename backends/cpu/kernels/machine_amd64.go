//go:build amd64 && !noasm

package kernels

import (
	"encoding/binary"
	"strings"

	"golang.org/x/sys/cpu"
)

// cpuid executes CPUID with EAX = leaf and ECX = sub.
//
//go:noescape
func cpuid(leaf, sub uint32) (eax, ebx, ecx, edx uint32)

// fmaYMM runs n iterations of twelve independent 256-bit FMAs (192 FLOP per iteration), no memory traffic.
//
//go:noescape
func fmaYMM(n int)

// fmaZMM runs n iterations of twelve independent 512-bit FMAs (384 FLOP per iteration), no memory traffic.
//
//go:noescape
func fmaZMM(n int)

// cpuidMachine reads the vendor, brand string, family and model from CPUID, and the vector extensions (with the
// operating system's support for their registers) from x/sys/cpu.
func cpuidMachine() Machine {
	var m Machine
	_, b, c, d := cpuid(0, 0)
	v := make([]byte, 12)
	binary.LittleEndian.PutUint32(v[0:], b)
	binary.LittleEndian.PutUint32(v[4:], d)
	binary.LittleEndian.PutUint32(v[8:], c)
	m.Vendor = string(v)
	a, _, _, _ := cpuid(1, 0)
	m.Family = int(a>>8) & 0xf
	m.Model = int(a>>4) & 0xf
	if m.Family == 0xf {
		m.Family += int(a>>20) & 0xff
	}
	if m.Family >= 0x6 {
		m.Model |= (int(a>>16) & 0xf) << 4
	}
	if max, _, _, _ := cpuid(0x80000000, 0); max >= 0x80000004 {
		brand := make([]byte, 0, 48)
		for leaf := uint32(0x80000002); leaf <= 0x80000004; leaf++ {
			a, b, c, d := cpuid(leaf, 0)
			for _, r := range []uint32{a, b, c, d} {
				brand = binary.LittleEndian.AppendUint32(brand, r)
			}
		}
		m.Brand = strings.Join(strings.Fields(strings.TrimRight(string(brand), "\x00")), " ")
	}
	m.AVX2 = cpu.X86.HasAVX2 && cpu.X86.HasFMA
	m.AVX512 = m.AVX2 && cpu.X86.HasAVX512F
	return m
}
