#pragma once

// Clang thread-safety analysis attributes (as LevelDB's port/thread_annotations.h). They
// compile to nothing under GCC; a clang build with -Wthread-safety checks them.
#if defined(__clang__)
#define KALAM_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define KALAM_THREAD_ANNOTATION(x)
#endif

#define KALAM_CAPABILITY(x) KALAM_THREAD_ANNOTATION(capability(x))
#define KALAM_SCOPED_CAPABILITY KALAM_THREAD_ANNOTATION(scoped_lockable)
#define KALAM_GUARDED_BY(x) KALAM_THREAD_ANNOTATION(guarded_by(x))
#define KALAM_PT_GUARDED_BY(x) KALAM_THREAD_ANNOTATION(pt_guarded_by(x))
#define KALAM_REQUIRES(...) KALAM_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define KALAM_EXCLUDES(...) KALAM_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define KALAM_ACQUIRE(...) KALAM_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define KALAM_RELEASE(...) KALAM_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define KALAM_NO_THREAD_SAFETY_ANALYSIS KALAM_THREAD_ANNOTATION(no_thread_safety_analysis)
