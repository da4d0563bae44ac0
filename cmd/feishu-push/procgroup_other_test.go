//go:build !unix

package main

import "os/exec"

// ownGroup does nothing where there are no process groups.
func ownGroup(*exec.Cmd) {}

// stopGroup kills cmd itself.
func stopGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
