//go:build !amd64 || noasm

package kernels

// cpuidMachine has nothing to read without the amd64 assembly: the kernels run their pure-Go loops.
func cpuidMachine() Machine { return Machine{} }

func fmaYMM(n int) { panic("kernels: fmaYMM without assembly") }
func fmaZMM(n int) { panic("kernels: fmaZMM without assembly") }
