package main

import (
	"fmt"
	"os"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"

	// Registers the file descriptors of the pinned Pulumi's protocol (sdk/v3 proto/go).
	_ "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// protoRoots are the protocol files the provider speaks: the provider service it serves and the
// engine service it logs through. Their imports come along.
var protoRoots = []string{"pulumi/provider.proto", "pulumi/engine.proto"}

// writeProtoDescriptors writes a FileDescriptorSet of protoRoots and everything they import,
// dependencies first, as the pinned Pulumi module registered them: the Rust bindings are
// generated from it (provider/build.rs), so they are exactly the protocol of the pinned CLI.
func writeProtoDescriptors(out string) error {
	var set descriptorpb.FileDescriptorSet
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			add(imports.Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	for _, root := range protoRoots {
		fd, err := protoregistry.GlobalFiles.FindFileByPath(root)
		if err != nil {
			return fmt.Errorf("the pinned Pulumi module registers no %s: %w", root, err)
		}
		add(fd)
	}
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(&set)
	if err != nil {
		return err
	}
	return os.WriteFile(out, raw, 0o644)
}
