/* A stand-in for Windows' bcryptprimitives.dll, for running the Windows plugin under wine only
 * (never shipped). Rust's standard library takes its randomness (HashMap seeds) from
 * ProcessPrng in bcryptprimitives.dll, which every Windows since 10 has but Wine 8.0 (Debian
 * 12's) lacks, so the .exe would not load there. This fills the buffer from advapi32's
 * RtlGenRandom (SystemFunction036), the system RNG ProcessPrng also draws on. The dist test
 * builds it with Debian's mingw-w64 and puts it beside the unpacked .exe. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG chunk = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, chunk))
            return FALSE;
        data += chunk;
        len -= chunk;
    }
    return TRUE;
}
