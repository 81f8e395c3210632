// What a checkpoint's weights blob may hold before LibTorch's importer reads it.
//
// torch::serialize::InputArchive::load_from() runs the TorchScript importer over the archive's code
// records (code/__torch__/*.py, the class definitions Module::save writes), and LibTorch 1.13's
// importer crashes (SIGSEGV) on some malformed definitions instead of throwing: found by fuzzing,
// e.g. a class constant `__parameter3__ = ["weight", "bias", ]` (fuzz/corpus/checkpoint/). So every
// code record is checked, line by line, against the forms that OutputArchive writes:
//   class Module(Module):
//     __parameters__ = ["weight", "bias", ]          (also __buffers__; the list may be empty)
//     __annotations__ = []
//     __annotations__["0"] = __torch__.___torch_mangle_3.Module
//     NAME : Tensor                                  or  NAME : __torch__.___torch_mangle_3.Module
// and blank lines. In the pickles (data.pkl, code/*.debug_pkl) every length-prefixed opcode argument
// must fit in the record: LibTorch's unpickler reserves the declared length before reading, so a
// 4-byte length of 2^31 in a 1 KB record asked for 2 GB (found by fuzzing). Everything else in the
// pickles is left to the unpickler, which refuses it with an exception.
#pragma once

#include <string>

namespace ebm {

// Throws std::runtime_error naming the record and line ("code/__torch__/x.py line 2 is not a form
// Module::save writes: '...'", "data.pkl: the pickle's opcode at byte 40 declares more bytes than the
// record holds (1852)", "record archive/data.pkl declares 4261412854 bytes (152 stored) in a 8217-byte archive")
// when a record strays from the above, when the zip directory declares a record larger than the
// blob can hold (ebm/io/zip_directory.h), or when the blob is not a zip archive LibTorch can open.
void check_weights_archive(const std::string& weights);

}  // namespace ebm
