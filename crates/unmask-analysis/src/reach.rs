//! A first, conservative reachability analysis: which methods of the app may run, starting from
//! what the manifest declares and what the framework calls back.
//!
//! **Conservative** means over-approximating: a method in dead code may be called reachable,
//! but a method Android can run should never be called unreachable. Where the code does
//! something the analysis cannot follow, it widens its assumptions and says so:
//! [`Reach::all_classes_live`] when a class is loaded by a computed name,
//! [`Reach::everything`] (every method reachable) for dynamic code loading, a missing manifest
//! or exhausted work budgets.
//!
//! API: [`compute`] (or [`compute_with`] and [`Extra`] class names from resources) gives a
//! [`Reach`]: [`Reach::method_reachable`] by descriptor (`Lpkg/C;->m(params)R`, as in
//! `Evidence::Code.method`), [`Reach::path_to`] (a chain of [`Hop`]s from an entry point, each
//! saying how it was reached: the call site's dex and offset, the class-initialising or
//! instantiating instruction, the reflection string...), [`Reach::entry_points`] with their
//! reasons, and counts.
//!
//! ## Nodes and edges
//!
//! Nodes are the methods the app defines, in every dex file of [`Code`] together (loaded and
//! hidden dex files, all APKs of a bundle); a method defined in several dex files (multidex
//! duplicates) is one node. Edges come from the use sites of [`Index`], grouped by calling
//! method, so no bytecode is decoded again except at the few reflection sites:
//!
//! - **invoke** (any kind) of `C.m`: the definition found walking up from `C` (superclasses,
//!   then default methods of the app's interfaces) and, unless that definition is static or
//!   direct, every definition of `m` (same name and prototype) in app subtypes of `C`, and for
//!   an interface `C` the method an implementer inherits from a superclass (class hierarchy
//!   analysis). `invoke-super` is treated like a virtual call (a superset). Calls on a class
//!   the app does not define (framework, missing libraries) reach app code only through
//!   callbacks, below.
//! - **class initialisation**: a method that runs initialises its class; any reference to a
//!   class `C` (method, field, type) initialises `C`. Initialising `C` runs the `<clinit>` of
//!   `C` and of its app superclasses and interfaces.
//! - **instances and callbacks**: a class is *live* when an instance of it may exist: it is
//!   referenced by a type instruction (`new-instance`, `const-class`, `check-cast`,
//!   `instance-of`) in reachable code, named by a string constant there, instantiated by the
//!   framework (entry points below), or is the type of a field of a live class (objects a
//!   JSON or serialisation mapper fills by reflection). For a live class, the methods the
//!   framework may call are reachable: every non-static, non-private method of the class and
//!   of its app superclasses/interfaces when any of its framework ancestors is outside a small
//!   table of known types (`Object`, `Serializable`, `Externalizable`, `Cloneable`,
//!   `Parcelable`, `Runnable`, `Callable`, `Comparable`, `AutoCloseable`, `Closeable`), and
//!   otherwise only the methods those types declare (`toString`, `equals`, `hashCode`,
//!   `finalize`, `clone`, `run`, `readObject`, ...); for an enum, also its static `values()`
//!   and `valueOf(String)` (called by reflection from `Enum.valueOf`, `EnumSet`, `EnumMap`).
//!   The framework's own class hierarchy is not in the input, so any other framework ancestor
//!   means "it may override anything".
//!
//! ## Entry points
//!
//! - Classes the manifest names: activities, alias targets, services, receivers, providers
//!   (disabled ones too: they can be enabled at run time), the application class, and classes
//!   named by `<meta-data>` names or values (`a.b.C`, or after a `:` as in Firebase's
//!   `com.google.firebase.components:a.b.C`): constructors, class initialiser and the methods
//!   the framework may call (the live-class rule above), not private or static helpers nobody
//!   calls. The same for the application's `android:backupAgent` and
//!   `android:appComponentFactory` and every `<instrumentation>` class.
//! - Classes the framework instantiates by name from resources or attributes the model does
//!   not hold (layouts, menus, preferences, transitions, drawables): a class whose superclass
//!   chain reaches a framework class under `android/view/`, `android/widget/`,
//!   `android/webkit/`, `android/opengl/GLSurfaceView`, `android/inputmethodservice/`,
//!   `android/preference/`, `android/transition/`, `android/graphics/drawable/`,
//!   `android/app/backup/`, the `android.app` fragments, `Instrumentation`,
//!   `AppComponentFactory`, or with an ancestor among the AndroidX/support fragments,
//!   preferences, `CoordinatorLayout.Behavior`, `ActionProvider`, `Transition`,
//!   `ListenableWorker`, `Initializer`, `CoreComponentFactory`: live, with its constructors.
//! - Classes another app can make this one deserialise (`Serializable`, `Externalizable`,
//!   `Parcelable`, sent in an intent's extras): live, with their constructors.
//! - Tests: classes carrying a JUnit / AndroidX Test annotation (on the class, a method or a
//!   field) or extending `junit.framework.TestCase` / `android.test.*`: every method (runners
//!   find them by scanning the dex and call them by reflection).
//! - JNI: when the app ships a native library (`lib/*/*.so` or a hidden ELF entry), every
//!   method of a class that declares a `native` method (native code typically calls back into
//!   its own class). Native code calling other classes by name is not seen.
//! - Methods referenced by method handles (`invoke-custom` bootstrap arguments,
//!   `const-method-handle`).
//! - Classes in [`Extra::class_names`]: like manifest classes.
//!
//! ## Reflection and loading
//!
//! - A string constant loaded by reachable code that names an app class (`a.b.C`, `a/b/C` or
//!   `La/b/C;`): the class is live and all its methods are reachable.
//! - `Class.forName`, `ClassLoader.loadClass`/`findClass` whose name argument is not a
//!   constant string (neither loaded in the same basic block nor held by a register the method
//!   writes only once, with `const-string`): **every class is live** and initialised
//!   ([`Reach::all_classes_live`]). What the code can then do with such a class is modelled by
//!   the other rules (interface calls by class hierarchy analysis, framework callbacks on live
//!   classes, reflective lookups below), so methods no rule reaches (static helpers, private
//!   methods) stay unreachable. Exception: the `instantiate*` methods of an
//!   `AppComponentFactory` load the classes the framework names (the manifest's).
//! - Dynamic code loading in reachable code (constructing a `DexClassLoader`,
//!   `PathClassLoader`, `InMemoryDexClassLoader`, `BaseDexClassLoader`,
//!   `DelegateLastClassLoader`, `URLClassLoader` or `DexFile`, `DexFile.loadDex`): the loaded
//!   code can call anything, so **every method is reachable** ([`Reach::everything`]).
//! - `getMethod`/`getDeclaredMethod` (and `MethodHandles.Lookup.find*`) with a constant name:
//!   methods of that name in live classes and their app ancestors; with a computed name, or
//!   `getMethods`/`getDeclaredMethods`: every method of live classes; constructor lookups and
//!   `Class.newInstance`: constructors of live classes; `WebView.addJavascriptInterface`:
//!   public methods of live classes; `ServiceLoader.load`: app subtypes of the types the
//!   calling method references become live, with their constructors.
//!
//! On real apps these widenings are the rule, not the exception: AppCompat's view inflater
//! loads a class by a computed name, Play services' dynamite modules and AndroidX Test's class
//! path scanner load code; the corpus's ApiDemos, Settings and appium server end up with every
//! method reachable. Small apps without such libraries keep dead code dead (DroidBench).
//!
//! ## Not modelled (possible misses)
//!
//! Classes named only in resources the caller did not pass in [`Extra`] and whose ancestry is
//! not in the lists above; classes named only in annotations (`@JsonAdapter(X.class)`) or
//! generic signatures; Java methods called from native code other than the declaring class's;
//! `app_process` entry points (`main`), which Android never runs for an app by itself.
//!
//! ## Cost
//!
//! One pass over the index's use sites builds adjacency lists over integer method ids (nodes
//! sorted by class and signature, so a class's methods are a range found by binary search).
//! No descriptor string is rendered to build the tables: a signature is an interned pair of
//! ids (method name, decoded once per dex string; prototype, rendered once per dex proto),
//! classes are looked up in a map of the defined classes only, tables use a seeded
//! FxHash-style hasher, and nodes by signature are CSR arrays; descriptors are rendered only
//! for the methods a caller asks about (the lookup by class descriptor is built on first use).
//! A breadth-first search follows the edges. `cargo test --release -p unmask-analysis --test
//! reach -- --ignored --nocapture timing` prints wall times, `... cpu_time` the process CPU
//! time of `reach::compute` alone (shared, loaded 2-core machine, so ±20%):
//!
//! | app | methods | `Index::build` (wall) | `reach::compute` (CPU, wall) | before (CPU) |
//! |---|---|---|---|---|
//! | appium uiautomator2 server 10.6.6 (14 MB dex) | 76 055 | 0.06 s | 0.060 s | 0.085 s |
//! | ApiDemos (with its nested APK's dex) | 33 463 | 0.026 s | 0.025 s | 0.037 s |
//! | Settings | 35 186 | 0.023 s | 0.024 s | 0.035 s |
//! | appium server androidTest | 2 072 | 0.002 s | 0.001 s | 0.0015 s |
//! | framework-res (no code) | 0 | 0 | 0 | 0 |
//!
//! That is about 1× `Index::build` (which runs on both cores; this on one), still not a
//! fraction of it. On appium: building the method table about 0.025 s (two thirds of it
//! interning the signatures of the method ids of the app's classes: name decoding, proto
//! rendering, hashing), items and adjacency 0.01 s, seeds 0.004 s, the search 0.023 s (on
//! these apps it ends with every class live and every method reached). Set
//! `UNMASK_REACH_TIMING` to print the phases on stderr.

use crate::code::Code;
use serde::Serialize;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::BuildHasher;
use unmask_apk::model::Report;
use unmask_dex::{DexFile, Index, Site};

const NONE: u32 = u32::MAX;
/// Not computed yet (caches).
const UNSET: u32 = u32::MAX - 1;
const ACC_PUBLIC: u32 = 0x1;
const ACC_STATIC: u32 = 0x8;
const ACC_NATIVE: u32 = 0x100;
const ACC_INTERFACE: u32 = 0x200;
/// Longest rendered method key accepted (longer ones make everything reachable).
const MAX_KEY: usize = 64 * 1024;
/// Bound on one ancestry walk.
const MAX_ANCESTORS: usize = 4096;

/// Known framework types and the methods the framework may call on an app class extending or
/// implementing only these (besides calls from app code, which are edges).
const KNOWN_FRAMEWORK: &[(&str, &[&str])] = &[
    (
        "Ljava/lang/Object;",
        &[
            "toString()Ljava/lang/String;",
            "equals(Ljava/lang/Object;)Z",
            "hashCode()I",
            "finalize()V",
            "clone()Ljava/lang/Object;",
        ],
    ),
    (
        "Ljava/io/Serializable;",
        &[
            "writeObject(Ljava/io/ObjectOutputStream;)V",
            "readObject(Ljava/io/ObjectInputStream;)V",
            "readObjectNoData()V",
            "writeReplace()Ljava/lang/Object;",
            "readResolve()Ljava/lang/Object;",
        ],
    ),
    (
        "Ljava/io/Externalizable;",
        &[
            "writeExternal(Ljava/io/ObjectOutput;)V",
            "readExternal(Ljava/io/ObjectInput;)V",
            "writeReplace()Ljava/lang/Object;",
            "readResolve()Ljava/lang/Object;",
        ],
    ),
    ("Ljava/lang/Cloneable;", &[]),
    (
        "Landroid/os/Parcelable;",
        &[
            "describeContents()I",
            "writeToParcel(Landroid/os/Parcel;I)V",
        ],
    ),
    ("Ljava/lang/Runnable;", &["run()V"]),
    (
        "Ljava/util/concurrent/Callable;",
        &["call()Ljava/lang/Object;"],
    ),
    (
        "Ljava/lang/Comparable;",
        &["compareTo(Ljava/lang/Object;)I"],
    ),
    ("Ljava/lang/AutoCloseable;", &["close()V"]),
    ("Ljava/io/Closeable;", &["close()V"]),
];

/// Superclass-chain prefixes of classes the framework instantiates by name.
const BY_NAME_PREFIXES: &[&str] = &[
    "Landroid/view/",
    "Landroid/widget/",
    "Landroid/webkit/",
    "Landroid/opengl/GLSurfaceView;",
    "Landroid/inputmethodservice/",
    "Landroid/preference/",
    "Landroid/transition/",
    "Landroid/graphics/drawable/",
    "Landroid/app/backup/",
    "Landroid/app/Fragment;",
    "Landroid/app/DialogFragment;",
    "Landroid/app/ListFragment;",
    "Landroid/app/Instrumentation;",
    "Landroid/app/AppComponentFactory;",
];

/// Ancestors (classes or interfaces, app-defined or not) of classes instantiated by name.
const BY_NAME_ANCESTORS: &[&str] = &[
    "Landroidx/fragment/app/Fragment;",
    "Landroid/support/v4/app/Fragment;",
    "Landroidx/preference/Preference;",
    "Landroid/support/v7/preference/Preference;",
    "Landroidx/coordinatorlayout/widget/CoordinatorLayout$Behavior;",
    "Landroid/support/design/widget/CoordinatorLayout$Behavior;",
    "Landroidx/core/view/ActionProvider;",
    "Landroid/support/v4/view/ActionProvider;",
    "Landroidx/transition/Transition;",
    "Landroid/support/transition/Transition;",
    "Landroidx/work/ListenableWorker;",
    "Landroidx/startup/Initializer;",
    "Landroidx/core/app/CoreComponentFactory;",
];

/// Annotation packages of test frameworks whose runners find classes by scanning the dex.
const TEST_ANNOTATIONS: &[&str] = &["Lorg/junit/", "Landroidx/test/", "Landroid/support/test/"];

/// Base classes of tests run by name (JUnit 3 and the platform's test cases).
const RUNNER_ANCESTORS: &[&str] = &["Ljunit/framework/TestCase;", "Landroid/test/"];

/// Ancestors of classes another app can make this one deserialise.
const DESERIALISED: &[&str] = &[
    "Ljava/io/Serializable;",
    "Ljava/io/Externalizable;",
    "Landroid/os/Parcelable;",
];

/// Class loaders and `DexFile`: constructing one (or `loadDex`) is dynamic code loading.
const LOADERS: &[&str] = &[
    "Ldalvik/system/DexClassLoader;-><init>(",
    "Ldalvik/system/PathClassLoader;-><init>(",
    "Ldalvik/system/InMemoryDexClassLoader;-><init>(",
    "Ldalvik/system/BaseDexClassLoader;-><init>(",
    "Ldalvik/system/DelegateLastClassLoader;-><init>(",
    "Ldalvik/system/DexFile;-><init>(",
    "Ldalvik/system/DexFile;->loadDex(",
    "Ljava/net/URLClassLoader;-><init>(",
];

/// Extra inputs the report does not hold.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// Class names (dot, slash or descriptor form) the framework may instantiate by name
    /// (custom views in layouts, `META-INF/services` entries, ...): treated like manifest
    /// classes.
    pub class_names: Vec<String>,
}

/// How a method was reached: one step of a [`Reach::path_to`] explanation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum How {
    /// An entry point, and why.
    Entry {
        /// Why the framework (or someone else) runs it.
        reason: String,
    },
    /// The previous method invokes it (or a method it overrides or implements) at `offset`.
    Call {
        /// Dex entry of the invoking instruction.
        dex: String,
        /// Offset in code units.
        offset: u32,
    },
    /// A class initialiser, run because the previous method references the class at
    /// `offset` (or, without an offset, because the previous method belongs to the class or
    /// a subclass and runs).
    ClassInit {
        /// Dex entry of the referencing instruction, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        dex: Option<String>,
        /// Offset in code units, if any.
        #[serde(skip_serializing_if = "Option::is_none")]
        offset: Option<u32>,
    },
    /// The previous method references `class` at `offset` (instantiation, class literal,
    /// cast), so an instance may exist, and the framework may call this method on it.
    Callback {
        /// Dex entry of the referencing instruction.
        dex: String,
        /// Offset in code units.
        offset: u32,
        /// The live class.
        class: String,
    },
    /// The previous method loads a string naming `class` at `offset` (reflection by name);
    /// every method of the class is reachable.
    Reflection {
        /// Dex entry of the `const-string`.
        dex: String,
        /// Offset in code units.
        offset: u32,
        /// The named class.
        class: String,
    },
    /// The previous method makes `holder` live at `offset` (see [`How::Callback`]), and
    /// `class` is the type of a field of `holder` (directly or through fields of fields): a
    /// reflective mapper (JSON, serialisation) may create it, so it is live too and this
    /// method is its class initialiser or a method the framework may call on it.
    FieldType {
        /// Dex entry of the referencing instruction.
        dex: String,
        /// Offset in code units.
        offset: u32,
        /// The class referenced at `offset`.
        holder: String,
        /// The class of the field.
        class: String,
    },
    /// The previous method looks methods up reflectively at `offset` (`getMethod`,
    /// `getDeclaredMethods`, constructors, `addJavascriptInterface`, `ServiceLoader`) and
    /// this method belongs to a live class it may find, or loads a class by a computed name
    /// there (`Class.forName`, `loadClass`: every class became live) and this method is a
    /// class initialiser or a callback of such a class.
    ReflectiveLookup {
        /// Dex entry of the lookup call.
        dex: String,
        /// Offset in code units.
        offset: u32,
    },
}

/// One step of an explanation: a method and how it was reached from the previous one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hop {
    /// Method descriptor.
    pub method: String,
    /// How it was reached (flattened in JSON: `kind` and its fields).
    #[serde(flatten)]
    pub how: How,
}

/// An entry point and why it is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryPoint {
    /// Method descriptor.
    pub method: String,
    /// Why.
    pub reason: String,
}

/// Why a blanket assumption was made (every method reachable, or every class live).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Trigger {
    /// What was seen (a class loader, `Class.forName` with a computed name, no manifest...).
    pub reason: String,
    /// The reachable method where it was seen, if any.
    pub method: Option<String>,
    /// Dex entry of that method's instruction.
    pub dex: Option<String>,
    /// Offset of the instruction in code units.
    pub offset: Option<u32>,
}

/// Where a class was made live, initialised or found by reflection.
#[derive(Debug, Clone, Copy)]
enum Cause {
    /// An instruction of a reachable method.
    Site { from: u32, dex: u32, offset: u32 },
    /// A reachable method runs (its class is initialised).
    Runs { from: u32 },
    /// A string constant naming the class, loaded by a reachable method.
    Named {
        from: u32,
        dex: u32,
        offset: u32,
        class: u32,
    },
    /// A reflective lookup (`ServiceLoader.load`) in a reachable method.
    Lookup { from: u32, dex: u32, offset: u32 },
    /// An instruction of a reachable method makes `holder` live, and the class is the type
    /// of a field of `holder` (or of a field of such a field's class).
    Field {
        from: u32,
        dex: u32,
        offset: u32,
        holder: u32,
    },
    /// An entry-point reason.
    Root(u32),
}

/// How a node was reached (internal, compact).
#[derive(Debug, Clone, Copy)]
enum Via {
    Entry(u32),
    Call {
        from: u32,
        dex: u32,
        offset: u32,
    },
    Init(Cause),
    Callback {
        cause: Cause,
        class: u32,
    },
    Named {
        from: u32,
        dex: u32,
        offset: u32,
        class: u32,
    },
    Lookup {
        from: u32,
        dex: u32,
        offset: u32,
    },
}

/// A fast multiplicative hasher (FxHash's mixing) with a per-process random seed, for the
/// interning tables (many short keys; the seed keeps collisions unpredictable).
#[derive(Debug, Clone, Copy)]
struct FxBuild(u64);

impl Default for FxBuild {
    fn default() -> Self {
        static SEED: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
        FxBuild(*SEED.get_or_init(|| std::hash::RandomState::new().hash_one(0x5eed_u64)))
    }
}

impl BuildHasher for FxBuild {
    type Hasher = Fx;
    fn build_hasher(&self) -> Fx {
        Fx(self.0)
    }
}

/// The hasher of [`FxBuild`].
#[derive(Debug, Clone, Copy)]
struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl std::hash::Hasher for Fx {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            if let Some(dst) = w.get_mut(..rest.len()) {
                dst.copy_from_slice(rest);
            }
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    #[inline]
    fn finish(&self) -> u64 {
        // A final avalanche so the table's low bits depend on every input bit.
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h
    }
}

/// Interned strings: one arena, spans, and a randomly keyed hash index with chains.
#[derive(Debug, Default)]
struct Keys {
    arena: String,
    spans: Vec<(u32, u32)>,
    heads: HashMap<u64, u32, FxBuild>,
    next: Vec<u32>,
    state: FxBuild,
}

impl Keys {
    fn get(&self, id: u32) -> &str {
        let (s, l) = self.spans.get(id as usize).copied().unwrap_or((0, 0));
        self.arena
            .get(s as usize..(s as usize).saturating_add(l as usize))
            .unwrap_or("")
    }

    fn find(&self, key: &str) -> Option<u32> {
        let mut cur = *self.heads.get(&self.state.hash_one(key))?;
        while cur != NONE {
            if self.get(cur) == key {
                return Some(cur);
            }
            cur = self.next.get(cur as usize).copied().unwrap_or(NONE);
        }
        None
    }

    /// Interns `key` (the flag is true if new); `None` when the arena would pass 4 GiB.
    fn intern(&mut self, key: &str) -> Option<(u32, bool)> {
        if let Some(id) = self.find(key) {
            return Some((id, false));
        }
        let start = u32::try_from(self.arena.len()).ok()?;
        let len = u32::try_from(key.len()).ok()?;
        start.checked_add(len)?;
        let id = self.spans.len() as u32;
        self.arena.push_str(key);
        self.spans.push((start, len));
        let prev = self
            .heads
            .insert(self.state.hash_one(key), id)
            .unwrap_or(NONE);
        self.next.push(prev);
        Some((id, true))
    }

    fn len(&self) -> usize {
        self.spans.len()
    }
}

/// Method signatures (`name(params)R`) as interned (name, prototype) pairs: no signature
/// string is rendered to build the tables, only when one is asked for.
#[derive(Debug, Default)]
struct Sigs {
    /// Method names, decoded.
    names: Keys,
    /// Prototypes, rendered (`(params)R`).
    protos: Keys,
    /// Signature -> (name, proto).
    pairs: Vec<(u32, u32)>,
    /// (name << 32 | proto) -> signature.
    index: HashMap<u64, u32, FxBuild>,
}

impl Sigs {
    fn len(&self) -> usize {
        self.pairs.len()
    }

    fn name(&self, sig: u32) -> &str {
        self.pairs
            .get(sig as usize)
            .map_or("", |&(n, _)| self.names.get(n))
    }

    fn proto(&self, sig: u32) -> &str {
        self.pairs
            .get(sig as usize)
            .map_or("", |&(_, p)| self.protos.get(p))
    }

    fn name_id(&self, sig: u32) -> u32 {
        self.pairs.get(sig as usize).map_or(NONE, |&(n, _)| n)
    }

    fn find_pair(&self, name: u32, proto: u32) -> Option<u32> {
        self.index
            .get(&(u64::from(name) << 32 | u64::from(proto)))
            .copied()
    }

    fn intern_pair(&mut self, name: u32, proto: u32) -> u32 {
        let next = self.pairs.len() as u32;
        let id = *self
            .index
            .entry(u64::from(name) << 32 | u64::from(proto))
            .or_insert(next);
        if id == next {
            self.pairs.push((name, proto));
        }
        id
    }

    /// The signature `name(params)R` (split at its first parenthesis), if interned.
    fn find(&self, sig: &str) -> Option<u32> {
        let p = sig.find('(')?;
        let name = self.names.find(sig.get(..p)?)?;
        let proto = self.protos.find(sig.get(p..)?)?;
        self.find_pair(name, proto)
    }
}

/// A defined method.
#[derive(Debug, Clone, Copy)]
struct Node {
    /// Hierarchy id of the class.
    class: u32,
    /// Signature id (`name(params)R`).
    sig: u32,
    flags: u32,
    /// Static, private or constructor.
    direct: bool,
    /// Its first definition: (dex, method_idx).
    dex: u32,
    method_idx: u32,
}

impl Node {
    fn is_static(&self) -> bool {
        self.flags & ACC_STATIC != 0
    }
}

/// Edge kinds (item tables of the index).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Method,
    Field,
    Type,
    Str,
}

#[derive(Debug, Clone, Copy)]
struct Edge {
    kind: Kind,
    item: u32,
    dex: u32,
    offset: u32,
}

/// Special framework methods (reflection, loading).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    None,
    /// `Class.forName` / `loadClass`: the class-name argument's position.
    ForName(usize),
    Loader,
    /// Method lookup by name: the name argument's position.
    MethodByName(usize),
    AllMethods,
    Constructors,
    JsBridge,
    ServiceLoader,
}

/// The result of [`compute`].
#[derive(Debug)]
pub struct Reach {
    /// Class names by hierarchy id (a copy of the index's hierarchy).
    class_names: ClassNames,
    sigs: Sigs,
    nodes: Vec<(u32, u32)>,
    vias: Vec<Option<Via>>,
    reasons: Vec<String>,
    dex_names: Vec<String>,
    entries: Vec<(u32, u32)>,
    everything: Option<Trigger>,
    all_live: Option<Trigger>,
    reached: usize,
    live_classes: usize,
}

/// Class descriptors by hierarchy id (a copy of the index's names; the lookup by descriptor
/// is built on first use).
#[derive(Debug, Default)]
struct ClassNames {
    arena: String,
    spans: Vec<(u32, u32)>,
    /// Descriptor hash -> ids with that hash.
    ids: std::sync::OnceLock<HashMap<u64, Vec<u32>, FxBuild>>,
    state: FxBuild,
}

impl ClassNames {
    fn new(h: &unmask_dex::Hierarchy) -> Self {
        let mut arena = String::new();
        let mut spans = Vec::with_capacity(h.len());
        for id in 0..h.len() as u32 {
            let n = h.name(id).unwrap_or("");
            let start = u32::try_from(arena.len()).unwrap_or(u32::MAX);
            let ok = start.checked_add(n.len() as u32).is_some() && n.len() <= u32::MAX as usize;
            if ok {
                arena.push_str(n);
                spans.push((start, n.len() as u32));
            } else {
                spans.push((0, 0));
            }
        }
        ClassNames {
            arena,
            spans,
            ids: std::sync::OnceLock::new(),
            state: FxBuild::default(),
        }
    }

    fn name(&self, id: u32) -> Option<&str> {
        let (s, l) = *self.spans.get(id as usize)?;
        self.arena
            .get(s as usize..(s as usize).saturating_add(l as usize))
    }

    fn id(&self, descriptor: &str) -> Option<u32> {
        let ids = self.ids.get_or_init(|| {
            let mut m: HashMap<u64, Vec<u32>, FxBuild> = HashMap::default();
            m.reserve(self.spans.len());
            for id in 0..self.spans.len() as u32 {
                if let Some(n) = self.name(id) {
                    m.entry(self.state.hash_one(n)).or_default().push(id);
                }
            }
            m
        });
        ids.get(&self.state.hash_one(descriptor))?
            .iter()
            .copied()
            .find(|&id| self.name(id) == Some(descriptor))
    }
}

/// Computes reachability for `report` and its `code` (see the module docs).
pub fn compute(report: &Report, code: &Code<'_, '_>) -> Reach {
    compute_with(report, code, &Extra::default())
}

/// [`compute`] with extra inputs.
pub fn compute_with(report: &Report, code: &Code<'_, '_>, extra: &Extra) -> Reach {
    let timing = std::env::var_os("UNMASK_REACH_TIMING").is_some();
    let t = std::time::Instant::now();
    let mut g = Graph::new(code);
    let t_graph = t.elapsed();
    g.seed(report, extra);
    let t_seed = t.elapsed();
    g.run();
    let t_run = t.elapsed();
    let r = g.finish();
    if timing {
        eprintln!(
            "reach: graph {:.3}s, seed {:.3}s, search {:.3}s, result {:.3}s",
            t_graph.as_secs_f64(),
            t_seed.saturating_sub(t_graph).as_secs_f64(),
            t_run.saturating_sub(t_seed).as_secs_f64(),
            t.elapsed().saturating_sub(t_run).as_secs_f64(),
        );
    }
    r
}

impl Reach {
    fn node(&self, method_key: &str) -> Option<u32> {
        let (class, sig) = method_key.split_once("->")?;
        let c = self.class_names.id(class)?;
        let s = self.sigs.find(sig)?;
        self.nodes.binary_search(&(c, s)).ok().map(|n| n as u32)
    }

    fn key(&self, n: u32) -> String {
        let (c, s) = self.nodes.get(n as usize).copied().unwrap_or((NONE, NONE));
        format!(
            "{}->{}{}",
            self.class_names.name(c).unwrap_or(""),
            self.sigs.name(s),
            self.sigs.proto(s)
        )
    }

    /// Whether the method with this descriptor (`Lpkg/C;->m(params)R`, as in
    /// `Evidence::Code.method`) may run; `None` if the app does not define it.
    pub fn method_reachable(&self, method_key: &str) -> Option<bool> {
        let n = self.node(method_key)?;
        Some(self.everything.is_some() || self.vias.get(n as usize).is_some_and(|v| v.is_some()))
    }

    /// One chain of methods from an entry point to this method, each with how it was reached
    /// from the previous one (the first is an [`How::Entry`]). `None` if the method is not
    /// defined or was not reached by the search (when [`Reach::everything`] is set, such a
    /// method is still reachable, for the reason given there).
    pub fn path_to(&self, method_key: &str) -> Option<Vec<Hop>> {
        let mut cur = self.node(method_key)?;
        let mut out = Vec::new();
        loop {
            let via = (*self.vias.get(cur as usize)?)?;
            let (how, prev) = self.how(cur, via);
            out.push(Hop {
                method: self.key(cur),
                how,
            });
            match prev {
                Some(p) if out.len() <= self.vias.len() => cur = p,
                _ => break,
            }
        }
        out.reverse();
        Some(out)
    }

    /// The method descriptors of [`Reach::path_to`], entry point first.
    pub fn method_path(&self, method_key: &str) -> Option<Vec<String>> {
        Some(
            self.path_to(method_key)?
                .into_iter()
                .map(|h| h.method)
                .collect(),
        )
    }

    fn dex(&self, d: u32) -> String {
        self.dex_names
            .get(d as usize)
            .cloned()
            .unwrap_or_else(|| format!("dex#{d}"))
    }

    fn class(&self, c: u32) -> String {
        self.class_names.name(c).unwrap_or("").to_string()
    }

    fn how(&self, cur: u32, via: Via) -> (How, Option<u32>) {
        let reason = |r: u32| self.reasons.get(r as usize).cloned().unwrap_or_default();
        match via {
            Via::Entry(r) => (How::Entry { reason: reason(r) }, None),
            Via::Call { from, dex, offset } => (
                How::Call {
                    dex: self.dex(dex),
                    offset,
                },
                Some(from),
            ),
            Via::Init(Cause::Site { from, dex, offset }) => (
                How::ClassInit {
                    dex: Some(self.dex(dex)),
                    offset: Some(offset),
                },
                Some(from),
            ),
            Via::Init(Cause::Runs { from }) => (
                How::ClassInit {
                    dex: None,
                    offset: None,
                },
                Some(from),
            ),
            Via::Init(Cause::Root(r)) => (
                How::Entry {
                    reason: format!("class initialiser: {}", reason(r)),
                },
                None,
            ),
            Via::Callback {
                cause: Cause::Site { from, dex, offset },
                class,
            } => (
                How::Callback {
                    dex: self.dex(dex),
                    offset,
                    class: self.class(class),
                },
                Some(from),
            ),
            Via::Callback {
                cause: Cause::Runs { from },
                class,
            } => (
                How::Entry {
                    reason: format!(
                        "may be called by the framework on an instance of {} (live while {} runs)",
                        self.class(class),
                        self.key(from)
                    ),
                },
                None,
            ),
            Via::Callback {
                cause: Cause::Root(r),
                class,
            } => (
                How::Entry {
                    reason: format!(
                        "may be called by the framework on an instance of {}: {}",
                        self.class(class),
                        reason(r)
                    ),
                },
                None,
            ),
            Via::Init(Cause::Field {
                from,
                dex,
                offset,
                holder,
            }) => (
                How::FieldType {
                    dex: self.dex(dex),
                    offset,
                    holder: self.class(holder),
                    class: self.class(self.nodes.get(cur as usize).map_or(NONE, |n| n.0)),
                },
                Some(from),
            ),
            Via::Callback {
                cause:
                    Cause::Field {
                        from,
                        dex,
                        offset,
                        holder,
                    },
                class,
            } => (
                How::FieldType {
                    dex: self.dex(dex),
                    offset,
                    holder: self.class(holder),
                    class: self.class(class),
                },
                Some(from),
            ),
            Via::Init(Cause::Named {
                from,
                dex,
                offset,
                class,
            })
            | Via::Callback {
                cause:
                    Cause::Named {
                        from,
                        dex,
                        offset,
                        class,
                    },
                ..
            }
            | Via::Named {
                from,
                dex,
                offset,
                class,
            } => (
                How::Reflection {
                    dex: self.dex(dex),
                    offset,
                    class: self.class(class),
                },
                Some(from),
            ),
            Via::Init(Cause::Lookup { from, dex, offset })
            | Via::Callback {
                cause: Cause::Lookup { from, dex, offset },
                ..
            }
            | Via::Lookup { from, dex, offset } => (
                How::ReflectiveLookup {
                    dex: self.dex(dex),
                    offset,
                },
                Some(from),
            ),
        }
    }

    /// Entry points and why each is one (methods reached from the manifest, the framework's
    /// instantiation by name, deserialisation, JNI and method handles; callbacks of classes
    /// made live by reachable code are not listed here but appear in paths).
    pub fn entry_points(&self) -> Vec<EntryPoint> {
        self.entries
            .iter()
            .map(|&(m, r)| EntryPoint {
                method: self.key(m),
                reason: self.reasons.get(r as usize).cloned().unwrap_or_default(),
            })
            .collect()
    }

    /// Set when every method is reachable because the code does something the analysis
    /// cannot follow (dynamic code loading, no manifest, work budgets exceeded).
    pub fn everything(&self) -> Option<&Trigger> {
        self.everything.as_ref()
    }

    /// Set when every class was taken as live (instances may exist, class initialisers
    /// run) because reachable code loads a class by a computed name (`Class.forName`,
    /// `ClassLoader.loadClass` with an argument that is not a constant string).
    pub fn all_classes_live(&self) -> Option<&Trigger> {
        self.all_live.as_ref()
    }

    /// Number of methods the app defines (distinct descriptors).
    pub fn methods_total(&self) -> usize {
        self.nodes.len()
    }

    /// Number of methods reached by the search (without the [`Reach::everything`] flag).
    pub fn methods_reached(&self) -> usize {
        self.reached
    }

    /// Number of methods reachable: [`Reach::methods_reached`], or all when
    /// [`Reach::everything`] is set.
    pub fn methods_reachable(&self) -> usize {
        if self.everything.is_some() {
            self.nodes.len()
        } else {
            self.reached
        }
    }

    /// Number of classes found live (instances may exist).
    pub fn live_classes(&self) -> usize {
        self.live_classes
    }

    /// Every defined method descriptor with whether the search reached it.
    pub fn methods(&self) -> impl Iterator<Item = (String, bool)> + '_ {
        (0..self.nodes.len() as u32).map(|i| {
            (
                self.key(i),
                self.vias.get(i as usize).is_some_and(|v| v.is_some()),
            )
        })
    }
}

/// Per-class facts (by hierarchy id).
#[derive(Debug, Clone, Default)]
struct ClassInfo {
    /// Its methods: nodes `first..first + count`, sorted by signature.
    first: u32,
    count: u32,
    flags: u32,
    /// (dex, class_def) of every definition.
    defs: Vec<(u32, u32)>,
    /// App classes that are types of its fields.
    field_types: Vec<u32>,
}

struct Graph<'c, 'd, 'a> {
    code: &'c Code<'d, 'a>,
    sigs: Sigs,
    /// Per dex: method_idx -> sig id (NONE: not a signature the app defines).
    sig_cache: Vec<Vec<u32>>,
    /// Per dex: proto_idx -> id in `sigs.protos`.
    proto_cache: Vec<Vec<u32>>,
    /// Per dex: string_idx -> id in `sigs.names` (methods' names only).
    name_cache: Vec<Vec<u32>>,
    /// Per dex: type_idx -> hierarchy id (defined classes only, else NONE).
    type_cache: Vec<Vec<u32>>,
    /// Descriptor -> hierarchy id of the classes defined in the dex files.
    defined_ids: HashMap<&'c str, u32, FxBuild>,
    /// Hierarchy id of `Ljava/lang/Enum;` (NONE if absent).
    enum_id: u32,
    sig_budget: usize,
    nodes: Vec<Node>,
    /// Per dex, method_idx -> node.
    method_of: Vec<Vec<u32>>,
    classes: Vec<ClassInfo>,
    children: Vec<Vec<u32>>,
    /// Ancestors (CSR, sorted per class; self included) and whether the walk was cut.
    anc_start: Vec<u32>,
    anc: Vec<u32>,
    anc_cut: Vec<bool>,
    /// sig -> nodes.
    /// sig -> nodes (CSR, node order): `by_sig_nodes[by_sig_start[s]..by_sig_start[s + 1]]`.
    by_sig_start: Vec<u32>,
    by_sig_nodes: Vec<u32>,
    /// sig -> (class, node) of its non-static, non-direct definitions (CSR, node order).
    virt_start: Vec<u32>,
    virt: Vec<(u32, u32)>,
    /// Adjacency (CSR over nodes).
    adj_start: Vec<u32>,
    adj: Vec<Edge>,
    /// Method items: (class hid, sig, special).
    mitems: Vec<(u32, u32, Special)>,
    /// Field items: class hid.
    fitems: Vec<u32>,
    /// Type items: class hid.
    titems: Vec<u32>,
    /// String items: named class hid.
    sitems: Vec<u32>,
    mdone: Vec<bool>,
    fdone: Vec<bool>,
    tdone: Vec<bool>,
    sdone: Vec<bool>,
    vias: Vec<Option<Via>>,
    /// Per node: whether `vias` is set.
    seen: Vec<bool>,
    queue: VecDeque<u32>,
    live: Vec<bool>,
    live_list: Vec<u32>,
    /// Per class: 1 if an ancestor of a live class, 2 if live.
    live_anc: Vec<u8>,
    /// Method name id -> signatures (built on first use).
    name_sigs: Option<Vec<Vec<u32>>>,
    inited: Vec<bool>,
    named: Vec<bool>,
    reasons: Vec<String>,
    entries: Vec<(u32, u32)>,
    everything: Option<Trigger>,
    all_live: Option<Trigger>,
    /// Reflective lookups seen: any name, public, constructors, names.
    refl_all: Option<Cause>,
    refl_public: Option<Cause>,
    refl_ctors: Option<Cause>,
    refl_names: HashMap<String, Cause>,
    /// Per signature: the lookup by name that may find it.
    refl_sigs: Vec<Option<Cause>>,
    clinit_sig: u32,
    /// Signatures of constructors.
    ctor_sig: Vec<bool>,
    known_sigs: Vec<(u32, Vec<u32>)>,
    /// Work left for class hierarchy analysis before giving up.
    cha_budget: usize,
    /// Work left for the per-class walks (live classes, reflective lookups).
    work: usize,
    /// Visit marks for hierarchy walks, and the current walk's mark.
    stamp: Vec<u32>,
    generation: u32,
}

fn dot_to_descriptor(name: &str) -> Option<String> {
    let n = name.trim();
    if n.is_empty() || n.len() > 1024 {
        return None;
    }
    if n.starts_with('L') && n.ends_with(';') && n.len() > 2 {
        return Some(n.to_string());
    }
    if !n
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '.' | '/' | '$' | '_' | '-'))
    {
        return None;
    }
    Some(format!("L{};", n.replace('.', "/")))
}

impl<'c, 'd, 'a> Graph<'c, 'd, 'a> {
    fn new(code: &'c Code<'d, 'a>) -> Self {
        let h = &code.index.hierarchy;
        let budget = code
            .dexes
            .iter()
            .map(|d| d.data().len())
            .fold(64usize << 20, |a, b| a.saturating_add(b.saturating_mul(16)));
        let mut g = Graph {
            code,
            sigs: Sigs::default(),
            sig_cache: Vec::new(),
            proto_cache: Vec::new(),
            name_cache: Vec::new(),
            type_cache: Vec::new(),
            defined_ids: HashMap::default(),
            enum_id: h.id("Ljava/lang/Enum;").unwrap_or(NONE),
            sig_budget: budget,
            nodes: Vec::new(),
            method_of: Vec::new(),
            classes: vec![ClassInfo::default(); h.len()],
            children: vec![Vec::new(); h.len()],
            anc_start: Vec::new(),
            anc: Vec::new(),
            anc_cut: Vec::new(),
            by_sig_start: Vec::new(),
            by_sig_nodes: Vec::new(),
            virt_start: Vec::new(),
            virt: Vec::new(),
            adj_start: Vec::new(),
            adj: Vec::new(),
            mitems: Vec::new(),
            fitems: Vec::new(),
            titems: Vec::new(),
            sitems: Vec::new(),
            mdone: Vec::new(),
            fdone: Vec::new(),
            tdone: Vec::new(),
            sdone: Vec::new(),
            vias: Vec::new(),
            seen: Vec::new(),
            queue: VecDeque::new(),
            live: vec![false; h.len()],
            live_list: Vec::new(),
            live_anc: vec![0; h.len()],
            name_sigs: None,
            inited: vec![false; h.len()],
            named: vec![false; h.len()],
            reasons: Vec::new(),
            entries: Vec::new(),
            everything: None,
            all_live: None,
            refl_all: None,
            refl_public: None,
            refl_ctors: None,
            refl_names: HashMap::new(),
            refl_sigs: Vec::new(),
            clinit_sig: NONE,
            ctor_sig: Vec::new(),
            known_sigs: Vec::new(),
            cha_budget: budget,
            work: budget.saturating_mul(4),
            stamp: vec![0; h.len()],
            generation: 0,
        };
        let timing = std::env::var_os("UNMASK_REACH_TIMING").is_some();
        let t = std::time::Instant::now();
        g.build_nodes();
        let t1 = t.elapsed();
        g.build_hierarchy();
        let t2 = t.elapsed();
        g.build_items();
        let t3 = t.elapsed();
        g.build_adjacency();
        if timing {
            eprintln!(
                "reach: nodes {:.3}s, hierarchy {:.3}s, items {:.3}s, adjacency {:.3}s ({} nodes, {} edges)",
                t1.as_secs_f64(),
                t2.saturating_sub(t1).as_secs_f64(),
                t3.saturating_sub(t2).as_secs_f64(),
                t.elapsed().saturating_sub(t3).as_secs_f64(),
                g.nodes.len(),
                g.adj.len()
            );
        }
        g.clinit_sig = g.sigs.find("<clinit>()V").unwrap_or(NONE);
        g.ctor_sig = (0..g.sigs.len() as u32)
            .map(|s| g.sigs.name(s) == "<init>")
            .collect();
        for (ty, sigs) in KNOWN_FRAMEWORK {
            if let Some(hid) = h.id(ty) {
                let ids = sigs.iter().filter_map(|s| g.sigs.find(s)).collect();
                g.known_sigs.push((hid, ids));
            }
        }
        g.vias = vec![None; g.nodes.len()];
        g.seen = vec![false; g.nodes.len()];
        g
    }

    fn give_up(&mut self, reason: String, at: Option<(u32, u32, u32)>) {
        if self.everything.is_some() {
            return;
        }
        self.everything = Some(Trigger {
            reason,
            method: at.map(|(n, _, _)| self.key(n)),
            dex: at.map(|(_, d, _)| self.code.dex_name(d)),
            offset: at.map(|(_, _, o)| o),
        });
    }

    fn key(&self, n: u32) -> String {
        match self.nodes.get(n as usize) {
            Some(node) => format!(
                "{}->{}{}",
                self.class_name(node.class),
                self.sigs.name(node.sig),
                self.sigs.proto(node.sig)
            ),
            None => String::new(),
        }
    }

    /// The hierarchy id of type `t` of dex `di` (cached per dex), or NONE.
    fn type_class(&mut self, di: usize, t: u32) -> u32 {
        if let Some(&c) = self.type_cache.get(di).and_then(|v| v.get(t as usize)) {
            if c != UNSET {
                return c;
            }
        }
        let code = self.code;
        let c = code
            .dexes
            .get(di)
            .and_then(|d| d.type_name(t).ok())
            .map_or(NONE, |n| self.defined_id(&n));
        if let Some(e) = self
            .type_cache
            .get_mut(di)
            .and_then(|v| v.get_mut(t as usize))
        {
            *e = c;
        }
        c
    }

    /// The hierarchy id of a class the dex files define, by descriptor, or NONE.
    fn defined_id(&self, descriptor: &str) -> u32 {
        self.defined_ids.get(descriptor).copied().unwrap_or(NONE)
    }

    /// The id in `protos` of proto `proto` of dex `di` (rendered once), or NONE.
    fn proto_id(&mut self, di: usize, proto: u16, buf: &mut String) -> u32 {
        let idx = usize::from(proto);
        let pid = self
            .proto_cache
            .get(di)
            .and_then(|v| v.get(idx))
            .copied()
            .unwrap_or(NONE);
        if pid != UNSET {
            return pid;
        }
        let Some(dex) = self.code.dexes.get(di) else {
            return NONE;
        };
        buf.clear();
        let pid = match dex.write_proto_signature(u32::from(proto), buf) {
            Ok(()) if buf.len() <= self.sig_budget => {
                self.sig_budget -= buf.len();
                self.sigs.protos.intern(buf).map_or(NONE, |(id, _)| id)
            }
            _ => NONE,
        };
        if let Some(e) = self.proto_cache.get_mut(di).and_then(|v| v.get_mut(idx)) {
            *e = pid;
        }
        pid
    }

    /// The id in `sigs.names` of string `idx` of dex `di` (decoded once per dex string), or
    /// NONE if it does not decode or (without `intern`) is not a name the app defines.
    fn name_id(&mut self, di: usize, idx: u32, intern: bool) -> u32 {
        let cached = self
            .name_cache
            .get(di)
            .and_then(|v| v.get(idx as usize))
            .copied()
            .unwrap_or(NONE);
        if cached != UNSET && (cached != NONE || !intern) {
            return cached;
        }
        let Some(dex) = self.code.dexes.get(di) else {
            return NONE;
        };
        let id = match dex.string(idx) {
            Ok(n) if intern => self.sigs.names.intern(&n).map_or(NONE, |(id, _)| id),
            Ok(n) => self.sigs.names.find(&n).unwrap_or(NONE),
            Err(_) => NONE,
        };
        if id != NONE || intern {
            if let Some(e) = self
                .name_cache
                .get_mut(di)
                .and_then(|v| v.get_mut(idx as usize))
            {
                *e = id;
            }
        }
        id
    }

    /// The signature id of method id `m` of dex `di` (`name(params)R`, cached per method id;
    /// [`Graph::build_nodes`] fills the cache for the app's methods); with `intern`, new
    /// signatures are added. NONE if unreadable, over
    /// budget, or (without `intern`) not a signature the app defines.
    fn sig_of(&mut self, di: usize, m: u32, intern: bool, buf: &mut String) -> u32 {
        if let Some(&s) = self.sig_cache.get(di).and_then(|v| v.get(m as usize)) {
            if s != UNSET {
                return s;
            }
        }
        let code = self.code;
        let Some(dex) = code.dexes.get(di) else {
            return NONE;
        };
        let Ok(mid) = dex.method_id(m) else {
            return NONE;
        };
        let pid = self.proto_id(di, mid.proto_idx, buf);
        let name_len = dex.string_raw(mid.name_idx).map_or(usize::MAX, |r| r.len());
        let bound = name_len
            .saturating_mul(3)
            .saturating_add(self.sigs.protos.get(pid).len());
        let s = if pid == NONE || bound > MAX_KEY || bound > self.sig_budget {
            if intern {
                self.give_up(
                    format!(
                        "method signatures unreadable or too large to index in {}",
                        code.dex_name(di as u32)
                    ),
                    None,
                );
            }
            NONE
        } else {
            self.sig_budget -= bound;
            let nid = self.name_id(di, mid.name_idx, intern);
            if nid == NONE {
                NONE
            } else if intern {
                self.sigs.intern_pair(nid, pid)
            } else {
                self.sigs.find_pair(nid, pid).unwrap_or(NONE)
            }
        };
        if let Some(e) = self
            .sig_cache
            .get_mut(di)
            .and_then(|v| v.get_mut(m as usize))
        {
            *e = s;
        }
        s
    }

    /// Every defined method becomes a node; nodes are sorted by (class, signature), so a
    /// class's methods are a contiguous range.
    fn build_nodes(&mut self) {
        let code = self.code;
        let h = &code.index.hierarchy;
        let mut buf = String::new();
        let mut defined_ids = HashMap::default();
        for id in 0..h.len() as u32 {
            if h.node(id).is_some_and(|n| n.defined_in.is_some()) {
                if let Some(name) = h.name(id) {
                    defined_ids.insert(name, id);
                }
            }
        }
        self.defined_ids = defined_ids;
        // Table sizes bounded by the dex files' own counts (no growth while interning).
        let methods = code
            .dexes
            .iter()
            .fold(0usize, |a, d| a.saturating_add(d.method_count() as usize));
        let cap = methods.min(1 << 22);
        self.sigs.index.reserve(cap);
        self.sigs.pairs.reserve(cap);
        self.sigs.names.heads.reserve(cap / 2);
        self.sigs.names.spans.reserve(cap / 2);
        self.sigs.names.next.reserve(cap / 2);
        self.type_cache = code
            .dexes
            .iter()
            .map(|d| vec![UNSET; d.type_count() as usize])
            .collect();
        self.sig_cache = code
            .dexes
            .iter()
            .map(|d| vec![UNSET; d.method_count() as usize])
            .collect();
        self.proto_cache = code
            .dexes
            .iter()
            .map(|d| vec![UNSET; d.proto_count() as usize])
            .collect();
        self.name_cache = code
            .dexes
            .iter()
            .map(|d| vec![UNSET; d.string_count() as usize])
            .collect();
        let mut raw: Vec<Node> = Vec::new();
        let t0 = std::time::Instant::now();
        let mut t_sigs = std::time::Duration::ZERO;
        for (di, dex) in code.dexes.iter().enumerate() {
            let ts = std::time::Instant::now();
            // Signatures of every method id, interned once per distinct (name, proto) as a
            // pair of ids (names decoded once per dex string, protos rendered once per dex
            // proto), in (name, proto) index order so the ids do not depend on hashing.
            // Only methods of classes the app defines (calls to the framework need none).
            let mut ids: Vec<(u64, u32)> = Vec::new();
            for m in 0..dex.method_count() {
                let Ok(x) = dex.method_id(m) else { continue };
                let c = self.type_class(di, u32::from(x.class_idx));
                if h.node(c).is_some_and(|n| n.defined_in.is_some()) {
                    ids.push((u64::from(x.name_idx) << 16 | u64::from(x.proto_idx), m));
                }
            }
            ids.sort_unstable();
            let mut start = 0;
            let mut last_name = (NONE, usize::MAX);
            while let Some(&(key, _)) = ids.get(start) {
                let end = ids
                    .get(start..)
                    .and_then(|r| r.iter().position(|x| x.0 != key))
                    .map_or(ids.len(), |k| start.saturating_add(k));
                let name = (key >> 16) as u32;
                let proto = (key & 0xffff) as u16;
                let pid = self.proto_id(di, proto, &mut buf);
                // Groups are sorted by name: its length is read once per name.
                if last_name.0 != name {
                    last_name = (name, dex.string_raw(name).map_or(usize::MAX, |r| r.len()));
                }
                let bound = last_name
                    .1
                    .saturating_mul(3)
                    .saturating_add(self.sigs.protos.get(pid).len());
                let sig = if pid != NONE && bound <= MAX_KEY && bound <= self.sig_budget {
                    self.sig_budget -= bound;
                    let nid = self.name_id(di, name, true);
                    if nid == NONE {
                        NONE
                    } else {
                        self.sigs.intern_pair(nid, pid)
                    }
                } else {
                    self.give_up(
                        format!(
                            "method signatures unreadable or too large to index in {}",
                            code.dex_name(di as u32)
                        ),
                        None,
                    );
                    NONE
                };
                if let Some(cache) = self.sig_cache.get_mut(di) {
                    for &(_, m) in ids.get(start..end).unwrap_or_default() {
                        if let Some(e) = cache.get_mut(m as usize) {
                            *e = sig;
                        }
                    }
                }
                start = end.max(start.saturating_add(1));
            }
            t_sigs += ts.elapsed();
            for ci in 0..dex.class_count() {
                let Ok(def) = dex.class_def(ci) else { continue };
                let hid = self.type_class(di, def.class_idx);
                if hid == NONE {
                    continue;
                }
                let Ok(data) = dex.class_data(&def) else {
                    continue;
                };
                let mut field_types = Vec::new();
                for f in &data.fields {
                    let Ok(fid) = dex.field_id(f.field_idx) else {
                        continue;
                    };
                    let t = self.type_class(di, u32::from(fid.type_idx));
                    if t != NONE {
                        field_types.push(t);
                    } else if let Ok(name) = dex.type_raw(u32::from(fid.type_idx)) {
                        // Arrays: the element class.
                        let el = name.iter().position(|&b| b != b'[').unwrap_or(0);
                        if el > 0 {
                            if let Some(c) = name
                                .get(el..)
                                .and_then(|n| std::str::from_utf8(n).ok())
                                .map(|n| self.defined_id(n))
                                .filter(|&c| c != NONE)
                            {
                                field_types.push(c);
                            }
                        }
                    }
                }
                if let Some(info) = self.classes.get_mut(hid as usize) {
                    if info.defs.is_empty() {
                        info.flags = def.access_flags;
                    }
                    info.defs.push((di as u32, ci));
                    info.field_types.extend(field_types);
                }
                for m in &data.methods {
                    let sig = self.sig_of(di, m.method_idx, true, &mut buf);
                    if sig == NONE {
                        continue;
                    }
                    raw.push(Node {
                        class: hid,
                        sig,
                        flags: m.access_flags,
                        direct: m.is_direct,
                        dex: di as u32,
                        method_idx: m.method_idx,
                    });
                }
            }
        }
        if std::env::var_os("UNMASK_REACH_TIMING").is_some() {
            eprintln!(
                "reach: nodes: signatures {:.3}s, classes {:.3}s",
                t_sigs.as_secs_f64(),
                t0.elapsed().saturating_sub(t_sigs).as_secs_f64()
            );
        }
        // Stable: the first definition (in dex order) of a (class, signature) wins.
        raw.sort_by_key(|n| (n.class, n.sig));
        self.method_of = code
            .dexes
            .iter()
            .map(|d| vec![NONE; d.method_count() as usize])
            .collect();
        for r in raw {
            let same = self
                .nodes
                .last()
                .is_some_and(|l| l.class == r.class && l.sig == r.sig);
            if !same {
                let id = self.nodes.len() as u32;
                if let Some(info) = self.classes.get_mut(r.class as usize) {
                    if info.count == 0 {
                        info.first = id;
                    }
                    info.count = info.count.saturating_add(1);
                }
                self.nodes.push(r);
            }
            let id = (self.nodes.len() as u32).saturating_sub(1);
            if let Some(e) = self
                .method_of
                .get_mut(r.dex as usize)
                .and_then(|m| m.get_mut(r.method_idx as usize))
            {
                *e = id;
            }
        }
        for c in &mut self.classes {
            c.field_types.sort_unstable();
            c.field_types.dedup();
        }
        // Nodes by signature (counting sort, node order kept within a signature).
        let sigs = self.sigs.len();
        let mut count = vec![0u32; sigs.saturating_add(1)];
        let mut vcount = vec![0u32; sigs.saturating_add(1)];
        for n in &self.nodes {
            if let Some(c) = count.get_mut(n.sig as usize) {
                *c = c.saturating_add(1);
            }
            if !n.is_static() && !n.direct {
                if let Some(c) = vcount.get_mut(n.sig as usize) {
                    *c = c.saturating_add(1);
                }
            }
        }
        let prefix = |counts: &mut Vec<u32>| {
            let mut acc = 0u32;
            for c in counts.iter_mut() {
                let v = *c;
                *c = acc;
                acc = acc.saturating_add(v);
            }
        };
        prefix(&mut count);
        prefix(&mut vcount);
        let mut fill = count.clone();
        let mut vfill = vcount.clone();
        let mut by_sig_nodes = vec![0u32; self.nodes.len()];
        let mut virt = vec![(0u32, 0u32); vcount.last().copied().unwrap_or(0) as usize];
        for (id, n) in self.nodes.iter().enumerate() {
            if let Some(pos) = fill.get_mut(n.sig as usize) {
                if let Some(e) = by_sig_nodes.get_mut(*pos as usize) {
                    *e = id as u32;
                }
                *pos = pos.saturating_add(1);
            }
            if !n.is_static() && !n.direct {
                if let Some(pos) = vfill.get_mut(n.sig as usize) {
                    if let Some(e) = virt.get_mut(*pos as usize) {
                        *e = (n.class, id as u32);
                    }
                    *pos = pos.saturating_add(1);
                }
            }
        }
        self.by_sig_start = count;
        self.by_sig_nodes = by_sig_nodes;
        self.virt_start = vcount;
        self.virt = virt;
    }

    /// The nodes of signature `sig`, in node order.
    fn by_sig(&self, sig: u32) -> &[u32] {
        let s = self.by_sig_start.get(sig as usize).copied().unwrap_or(0) as usize;
        let e = self
            .by_sig_start
            .get((sig as usize).saturating_add(1))
            .copied()
            .unwrap_or(0) as usize;
        self.by_sig_nodes.get(s..e).unwrap_or_default()
    }

    /// The (class, node) of the non-static, non-direct definitions of `sig`, in node order.
    fn virt_of(&self, sig: u32) -> &[(u32, u32)] {
        let s = self.virt_start.get(sig as usize).copied().unwrap_or(0) as usize;
        let e = self
            .virt_start
            .get((sig as usize).saturating_add(1))
            .copied()
            .unwrap_or(0) as usize;
        self.virt.get(s..e).unwrap_or_default()
    }

    /// The node of `class.sig`, if the class defines it.
    fn lookup(&self, class: u32, sig: u32) -> Option<u32> {
        let info = self.classes.get(class as usize)?;
        let first = info.first as usize;
        let range = self
            .nodes
            .get(first..first.saturating_add(info.count as usize))?;
        let k = range.binary_search_by_key(&sig, |n| n.sig).ok()?;
        Some(info.first.saturating_add(k as u32))
    }

    /// Children lists and ancestor sets.
    fn build_hierarchy(&mut self) {
        let code = self.code;
        let h = &code.index.hierarchy;
        for id in 0..h.len() as u32 {
            let Some(n) = h.node(id) else { continue };
            for p in n.superclass.iter().chain(n.interfaces.iter()) {
                if let Some(c) = self.children.get_mut(*p as usize) {
                    c.push(id);
                }
            }
        }
        let mut stamp = vec![NONE; h.len()];
        let mut stack = Vec::new();
        self.anc_start.reserve(h.len().saturating_add(1));
        for id in 0..h.len() as u32 {
            self.anc_start.push(self.anc.len() as u32);
            let begin = self.anc.len();
            let mut cut = false;
            stack.clear();
            stack.push(id);
            while let Some(c) = stack.pop() {
                match stamp.get_mut(c as usize) {
                    Some(s) if *s != id => *s = id,
                    _ => continue,
                }
                if self.anc.len() - begin >= MAX_ANCESTORS {
                    cut = true;
                    break;
                }
                self.anc.push(c);
                if let Some(n) = h.node(c) {
                    stack.extend(n.superclass);
                    stack.extend(n.interfaces.iter().copied());
                }
            }
            if let Some(v) = self.anc.get_mut(begin..) {
                v.sort_unstable();
            }
            self.anc_cut.push(cut);
        }
        self.anc_start.push(self.anc.len() as u32);
    }

    fn ancestors(&self, hid: u32) -> &[u32] {
        let s = self.anc_start.get(hid as usize).copied().unwrap_or(0) as usize;
        let e = self.anc_start.get(hid as usize + 1).copied().unwrap_or(0) as usize;
        self.anc.get(s..e).unwrap_or_default()
    }

    /// True if `sub` is `sup` or inherits from it (or its ancestry was too deep to tell).
    fn subtype(&self, sub: u32, sup: u32) -> bool {
        self.anc_cut.get(sub as usize).copied().unwrap_or(true)
            || self.ancestors(sub).binary_search(&sup).is_ok()
    }

    fn defined(&self, hid: u32) -> bool {
        self.classes
            .get(hid as usize)
            .is_some_and(|c| !c.defs.is_empty())
    }

    fn build_items(&mut self) {
        let code = self.code;
        let idx: &Index = code.index;
        let dexes = code.dexes;
        let mut buf = String::new();
        let mut mitems = Vec::with_capacity(idx.methods.len());
        for i in 0..idx.methods.len() as u32 {
            let mut item = (NONE, NONE, Special::None);
            if let Some((d, local)) = idx.methods.representative(i) {
                if let Some(mid) = dexes.get(d as usize).and_then(|x| x.method_id(local).ok()) {
                    let hid = self.type_class(d as usize, u32::from(mid.class_idx));
                    let hid = if self.defined(hid) { hid } else { NONE };
                    let sp = dexes
                        .get(d as usize)
                        .map_or(Special::None, |x| special_of(x, &mid));
                    let sig = if hid == NONE {
                        NONE
                    } else {
                        self.sig_of(d as usize, local, false, &mut buf)
                    };
                    item = (hid, sig, sp);
                }
            }
            mitems.push(item);
        }
        self.mitems = mitems;
        let mut fitems = Vec::with_capacity(idx.fields.len());
        for i in 0..idx.fields.len() as u32 {
            let mut c = NONE;
            if let Some((d, local)) = idx.fields.representative(i) {
                if let Some(f) = dexes.get(d as usize).and_then(|x| x.field_id(local).ok()) {
                    c = self.type_class(d as usize, u32::from(f.class_idx));
                }
            }
            fitems.push(if self.defined(c) { c } else { NONE });
        }
        let mut titems = Vec::with_capacity(idx.types.len());
        for i in 0..idx.types.len() as u32 {
            let c = idx
                .types
                .representative(i)
                .map_or(NONE, |(d, local)| self.type_class(d as usize, local));
            titems.push(if self.defined(c) { c } else { NONE });
        }
        // Classes of the default package have no separator in their names.
        let default_package = (0..self.classes.len() as u32)
            .any(|c| self.defined(c) && !self.class_name(c).contains('/'));
        let sitems = (0..idx.strings.len() as u32)
            .map(|i| {
                let Some((d, local)) = idx.strings.representative(i) else {
                    return NONE;
                };
                let Some(dex) = dexes.get(d as usize) else {
                    return NONE;
                };
                // Cheap filter before decoding: a class name is short and has a separator
                // (unless the app has classes in the default package).
                match dex.string_raw(local) {
                    Ok(raw)
                        if raw.len() <= 1024
                            && (default_package || raw.iter().any(|&b| b == b'.' || b == b'/')) => {
                    }
                    _ => return NONE,
                }
                let Ok(s) = dex.string(local) else {
                    return NONE;
                };
                dot_to_descriptor(&s)
                    .map(|d| self.defined_id(&d))
                    .filter(|&c| self.defined(c))
                    .unwrap_or(NONE)
            })
            .collect();
        self.fitems = fitems;
        self.titems = titems;
        self.sitems = sitems;
        self.mdone = vec![false; self.mitems.len()];
        self.fdone = vec![false; self.fitems.len()];
        self.tdone = vec![false; self.titems.len()];
        self.sdone = vec![false; self.sitems.len()];
    }

    fn caller(&self, s: &Site) -> u32 {
        self.method_of
            .get(s.dex as usize)
            .and_then(|m| m.get(s.method_idx as usize))
            .copied()
            .unwrap_or(NONE)
    }

    fn useful(&self, kind: Kind, i: u32) -> bool {
        let i = i as usize;
        match kind {
            Kind::Method => self
                .mitems
                .get(i)
                .is_some_and(|&(c, _, s)| c != NONE || s != Special::None),
            Kind::Field => self.fitems.get(i).is_some_and(|&c| c != NONE),
            Kind::Type => self.titems.get(i).is_some_and(|&c| c != NONE),
            Kind::Str => self.sitems.get(i).is_some_and(|&c| c != NONE),
        }
    }

    /// Groups the useful use sites by calling method.
    fn build_adjacency(&mut self) {
        let code = self.code;
        let idx: &Index = code.index;
        let tables: [(Kind, &unmask_dex::RefTable); 4] = [
            (Kind::Method, &idx.methods),
            (Kind::Field, &idx.fields),
            (Kind::Type, &idx.types),
            (Kind::Str, &idx.strings),
        ];
        let mut counts = vec![0u32; self.nodes.len()];
        for (kind, t) in tables {
            for (i, sites) in t.iter() {
                if !self.useful(kind, i) {
                    continue;
                }
                for s in sites {
                    if let Some(c) = counts.get_mut(self.caller(s) as usize) {
                        *c = c.saturating_add(1);
                    }
                }
            }
        }
        let mut start = Vec::with_capacity(counts.len().saturating_add(1));
        let mut acc = 0u32;
        for c in &counts {
            start.push(acc);
            acc = acc.saturating_add(*c);
        }
        start.push(acc);
        let mut fill = start.clone();
        let mut adj = vec![
            Edge {
                kind: Kind::Method,
                item: 0,
                dex: 0,
                offset: 0
            };
            acc as usize
        ];
        for (kind, t) in tables {
            for (i, sites) in t.iter() {
                if !self.useful(kind, i) {
                    continue;
                }
                for s in sites {
                    let Some(pos) = fill.get_mut(self.caller(s) as usize) else {
                        continue;
                    };
                    if let Some(e) = adj.get_mut(*pos as usize) {
                        *e = Edge {
                            kind,
                            item: i,
                            dex: s.dex,
                            offset: s.offset,
                        };
                        *pos = pos.saturating_add(1);
                    }
                }
            }
        }
        self.adj_start = start;
        self.adj = adj;
    }

    fn reason(&mut self, r: String) -> u32 {
        self.reasons.push(r);
        (self.reasons.len() - 1) as u32
    }

    /// Marks node `n` reached.
    fn reach(&mut self, n: u32, via: Via) {
        // The compact flags first (the vias are large and mostly already set).
        if let Some(seen) = self.seen.get_mut(n as usize) {
            if !*seen {
                if let Some(slot) = self.vias.get_mut(n as usize) {
                    *seen = true;
                    *slot = Some(via);
                    self.queue.push_back(n);
                }
            }
        }
    }

    fn entry(&mut self, n: u32, reason: u32) {
        if self.seen.get(n as usize).is_some_and(|s| !*s) {
            self.entries.push((n, reason));
        }
        self.reach(n, Via::Entry(reason));
    }

    fn class_name(&self, hid: u32) -> &'c str {
        self.code.index.hierarchy.name(hid).unwrap_or("")
    }

    fn method_count(&self, hid: u32) -> usize {
        self.classes
            .get(hid as usize)
            .map_or(0, |c| c.count as usize)
    }

    fn method_at(&self, hid: u32, k: usize) -> Option<(u32, Node)> {
        let info = self.classes.get(hid as usize)?;
        if k >= info.count as usize {
            return None;
        }
        let m = info.first.checked_add(k as u32)?;
        Some((m, *self.nodes.get(m as usize)?))
    }

    fn is_ctor(&self, node: &Node) -> bool {
        self.ctor_sig
            .get(node.sig as usize)
            .copied()
            .unwrap_or(false)
    }

    /// Entry points from the report, the hierarchy and the dex files.
    fn seed(&mut self, report: &Report, extra: &Extra) {
        let manifests: Vec<_> = report
            .apks
            .iter()
            .filter_map(|a| a.manifest.as_ref())
            .collect();
        if manifests.is_empty() {
            self.give_up(
                "no manifest: the entry points are unknown".to_string(),
                None,
            );
        }
        let code = self.code;
        let h = &code.index.hierarchy;
        let mut named: Vec<(String, String)> = Vec::new();
        for m in &manifests {
            if let Some(app) = &m.application.class_name {
                named.push((app.clone(), format!("application class {app}")));
            }
            if let Some(f) = &m.application.app_component_factory {
                named.push((f.clone(), format!("app component factory {f}")));
            }
            if let Some(b) = &m.application.backup_agent {
                named.push((b.clone(), format!("backup agent {b}")));
            }
            for i in &m.instrumentations {
                named.push((
                    i.name.clone(),
                    format!("instrumentation {} (manifest line {})", i.name, i.line),
                ));
            }
            for c in &m.components {
                named.push((
                    c.name.clone(),
                    format!("{} {} (manifest line {})", c.kind.tag(), c.name, c.line),
                ));
                if let Some(t) = &c.target_activity {
                    named.push((
                        t.clone(),
                        format!(
                            "target of activity-alias {} (manifest line {})",
                            c.name, c.line
                        ),
                    ));
                }
                for md in &c.meta_data {
                    for v in std::iter::once(&md.name).chain(md.value.iter()) {
                        for part in v.split(':') {
                            named.push((
                                part.to_string(),
                                format!("meta-data {} of {} {}", md.name, c.kind.tag(), c.name),
                            ));
                        }
                    }
                }
            }
        }
        for n in &extra.class_names {
            named.push((n.clone(), format!("class named by name: {n}")));
        }
        for (name, why) in named {
            let Some(hid) = dot_to_descriptor(&name)
                .map(|d| self.defined_id(&d))
                .filter(|&c| self.defined(c))
            else {
                continue;
            };
            let r = self.reason(why);
            self.root_class(hid, r, false);
        }
        // Classes instantiated by name by the framework, deserialised, or with JNI methods.
        let native = report.apks.iter().any(|a| {
            !a.contents.native_libs.is_empty() || a.contents.hidden.iter().any(|x| x.kind == "elf")
        });
        let mut ann_budget = code
            .dexes
            .iter()
            .fold(0usize, |a, d| a.saturating_add(d.data().len()));
        // Per class, which of the name lists its descriptor matches (decided once).
        const PREFIX: u8 = 1;
        const ANCESTOR: u8 = 2;
        const DESER: u8 = 4;
        const RUNNER: u8 = 8;
        let kinds: Vec<u8> = (0..h.len() as u32)
            .map(|c| {
                let n = self.class_name(c);
                let mut k = 0;
                if BY_NAME_PREFIXES.iter().any(|p| n.starts_with(p)) {
                    k |= PREFIX;
                }
                if BY_NAME_ANCESTORS.contains(&n) {
                    k |= ANCESTOR;
                }
                if DESERIALISED.contains(&n) {
                    k |= DESER;
                }
                if RUNNER_ANCESTORS.iter().any(|p| n.starts_with(p)) {
                    k |= RUNNER;
                }
                k
            })
            .collect();
        let kind = |c: u32, k: u8| kinds.get(c as usize).is_some_and(|x| x & k != 0);
        for hid in 0..self.classes.len() as u32 {
            if !self.defined(hid) {
                continue;
            }
            let mut by_name = None;
            let mut cur = Some(hid);
            for _ in 0..MAX_ANCESTORS {
                let Some(c) = cur else { break };
                if kind(c, PREFIX) {
                    by_name = Some(self.class_name(c));
                    break;
                }
                cur = h.node(c).and_then(|x| x.superclass);
            }
            let anc = self.ancestors(hid);
            let by_name = by_name.or_else(|| {
                anc.iter()
                    .find(|&&a| kind(a, ANCESTOR))
                    .map(|&a| self.class_name(a))
            });
            if let Some(base) = by_name {
                let r = self.reason(format!(
                    "{} extends {base}, which the framework instantiates by name (layouts, menus, preferences, manifest attributes)",
                    self.class_name(hid)
                ));
                self.root_class(hid, r, false);
                continue;
            }
            let ser = anc
                .iter()
                .find(|&&a| kind(a, DESER))
                .map(|&a| self.class_name(a));
            if let Some(base) = ser {
                let r = self.reason(format!(
                    "{} implements {base}: another app can make this one deserialise it (intent extras)",
                    self.class_name(hid)
                ));
                self.root_class(hid, r, false);
                continue;
            }
            if let Some(t) = self.test_annotation(hid, &mut ann_budget) {
                let r = self.reason(format!(
                    "{} carries the test annotation {t}: a test runner instantiates it and calls its methods by reflection",
                    self.class_name(hid)
                ));
                self.root_class(hid, r, true);
                continue;
            }
            if let Some(base) = anc
                .iter()
                .find(|&&a| kind(a, RUNNER))
                .map(|&a| self.class_name(a))
            {
                let r = self.reason(format!(
                    "{} extends {base}: a test runner instantiates it and calls its methods by reflection",
                    self.class_name(hid)
                ));
                self.root_class(hid, r, true);
                continue;
            }
            if native {
                let has_native = (0..self.method_count(hid)).any(|k| {
                    self.method_at(hid, k)
                        .is_some_and(|(_, n)| n.flags & ACC_NATIVE != 0)
                });
                if has_native {
                    let r = self.reason(format!(
                        "{} declares native methods and the app ships native code, which may call any of its methods",
                        self.class_name(hid)
                    ));
                    self.root_class(hid, r, true);
                }
            }
        }
        // Method handles.
        for (di, dex) in code.dexes.iter().enumerate() {
            for i in 0..dex.method_handle_count() {
                let Ok(mh) = dex.method_handle(i) else {
                    continue;
                };
                if mh.kind < 4 {
                    continue;
                }
                let n = self
                    .method_of
                    .get(di)
                    .and_then(|m| m.get(usize::from(mh.field_or_method_idx)))
                    .copied()
                    .unwrap_or(NONE);
                if n != NONE {
                    let r = self.reason(format!(
                        "referenced by method handle {i} in {}",
                        code.dex_name(di as u32)
                    ));
                    self.entry(n, r);
                }
            }
        }
    }

    /// The first test-framework annotation (JUnit, AndroidX Test) on class `hid`, its
    /// methods or its fields. Annotation items read are charged to `budget` (hostile files
    /// can share sets between classes); past it, nothing more is read.
    fn test_annotation(&self, hid: u32, budget: &mut usize) -> Option<String> {
        let (d, ci) = *self.classes.get(hid as usize)?.defs.first()?;
        let dex = self.code.dexes.get(d as usize)?;
        let def = dex.class_def(ci).ok()?;
        let dir = dex.annotations_directory(&def).ok()??;
        let sets = std::iter::once(dir.class_annotations_off)
            .chain(dir.methods.iter().map(|m| m.1))
            .chain(dir.fields.iter().map(|f| f.1));
        for set in sets {
            let items = unmask_dex::value::annotation_set_at(dex.data(), set as usize).ok()?;
            for item in items {
                *budget = budget.checked_sub(1)?;
                // annotation_item: visibility (u8), then encoded_annotation: type_idx (uleb128).
                let ty = uleb128(dex.data(), (item as usize).saturating_add(1))?;
                let name = dex.type_name(ty).ok()?;
                if TEST_ANNOTATIONS.iter().any(|p| name.starts_with(p)) {
                    return Some(name.into_owned());
                }
            }
        }
        None
    }

    /// A class instantiated by the framework: live, with its constructors (and, if `all`,
    /// every method).
    fn root_class(&mut self, hid: u32, reason: u32, all: bool) {
        for k in 0..self.method_count(hid) {
            let Some((m, node)) = self.method_at(hid, k) else {
                continue;
            };
            if all || self.is_ctor(&node) {
                self.entry(m, reason);
            }
        }
        self.make_live(hid, Cause::Root(reason));
    }

    /// Initialises class `hid`: the `<clinit>` of it and its app ancestors.
    fn init(&mut self, hid: u32, cause: Cause) {
        match self.inited.get_mut(hid as usize) {
            Some(b) if !*b => *b = true,
            _ => return,
        }
        for k in 0..self.ancestors(hid).len() {
            let Some(&a) = self.ancestors(hid).get(k) else {
                break;
            };
            if let Some(&n) = self.lookup(a, self.clinit_sig).as_ref() {
                self.reach(n, Via::Init(cause));
            }
        }
    }

    /// Class `hid` may have instances: the framework may call its overriding methods.
    fn make_live(&mut self, hid: u32, cause: Cause) {
        // A worklist, not recursion: field types can chain through every class.
        let mut todo = vec![(hid, cause)];
        while let Some((c, cause)) = todo.pop() {
            self.make_live_one(c, cause, &mut todo);
        }
    }

    /// Charges `n` steps to the work budget; past it, everything is reachable and the search
    /// stops (hostile hierarchies could otherwise make the per-class walks quadratic).
    fn charge(&mut self, n: usize) -> bool {
        match self.work.checked_sub(n) {
            Some(w) => {
                self.work = w;
                true
            }
            None => {
                self.work = 0;
                self.give_up("reachability work budget exhausted".to_string(), None);
                self.queue.clear();
                false
            }
        }
    }

    fn make_live_one(&mut self, hid: u32, cause: Cause, todo: &mut Vec<(u32, Cause)>) {
        match self.live.get_mut(hid as usize) {
            Some(b) if !*b => *b = true,
            _ => return,
        }
        let cost = self
            .ancestors(hid)
            .iter()
            .map(|&a| self.method_count(a).saturating_add(1))
            .fold(0usize, usize::saturating_add);
        if !self.charge(cost.saturating_mul(2)) {
            return;
        }
        self.live_list.push(hid);
        for k in 0..self.ancestors(hid).len() {
            if let Some(&a) = self.ancestors(hid).get(k) {
                if let Some(x) = self.live_anc.get_mut(a as usize) {
                    *x |= 1;
                }
            }
        }
        if let Some(x) = self.live_anc.get_mut(hid as usize) {
            *x |= 2;
        }
        self.init(hid, cause);
        let code = self.code;
        let h = &code.index.hierarchy;
        // What the framework may call: all non-static methods if any framework ancestor is
        // unknown, else the known types' methods.
        let mut unknown = self.anc_cut.get(hid as usize).copied().unwrap_or(true);
        let mut known: Vec<u32> = Vec::new();
        let anc = self.ancestors(hid).to_vec();
        for &a in &anc {
            if !h.is_external(a) && self.defined(a) {
                continue;
            }
            match self.known_sigs.iter().find(|(k, _)| *k == a) {
                Some((_, sigs)) => known.extend(sigs.iter().copied()),
                None => unknown = true,
            }
        }
        // Enums: `Enum.valueOf`, `EnumSet` and `EnumMap` call the static `values()` by
        // reflection.
        let is_enum = anc
            .iter()
            .any(|&a| a == self.enum_id && self.enum_id != NONE);
        for &a in &anc {
            for k in 0..self.method_count(a) {
                let Some((m, node)) = self.method_at(a, k) else {
                    continue;
                };
                if is_enum && a == hid && node.is_static() {
                    let (name, proto) = (self.sigs.name(node.sig), self.sigs.proto(node.sig));
                    if (name == "values" && proto.starts_with("()["))
                        || (name == "valueOf" && proto.starts_with("(Ljava/lang/String;)"))
                    {
                        self.reach(m, Via::Callback { cause, class: hid });
                    }
                }
                if node.is_static() || self.is_ctor(&node) {
                    continue;
                }
                if (unknown && !node.direct) || known.contains(&node.sig) {
                    let new = self.seen.get(m as usize).is_some_and(|s| !*s);
                    self.reach(m, Via::Callback { cause, class: hid });
                    if let (true, Cause::Root(r)) = (new, cause) {
                        self.entries.push((m, r));
                    }
                }
            }
        }
        self.apply_lookups(hid);
        // Field types: objects a reflective mapper may create and store.
        let fields = self
            .classes
            .get(hid as usize)
            .map(|c| c.field_types.clone())
            .unwrap_or_default();
        let cause = match cause {
            Cause::Site { from, dex, offset }
            | Cause::Named {
                from, dex, offset, ..
            } => Cause::Field {
                from,
                dex,
                offset,
                holder: hid,
            },
            other => other,
        };
        for c in fields {
            if self.defined(c) && self.live.get(c as usize).is_some_and(|b| !b) {
                todo.push((c, cause));
            }
        }
    }

    /// Whether a reflective lookup seen so far may find method `node` of a live class
    /// (or of an ancestor of one, `own` when `node` is in the live class itself).
    fn lookup_cause(&self, node: &Node, own: bool) -> Option<Cause> {
        let ctor = self.is_ctor(node);
        if let Some(c) = self.refl_all {
            return Some(c);
        }
        if let Some(&Some(c)) = self.refl_sigs.get(node.sig as usize) {
            return Some(c);
        }
        if node.flags & ACC_PUBLIC != 0 && !ctor {
            if let Some(c) = self.refl_public {
                return Some(c);
            }
        }
        if ctor && own {
            return self.refl_ctors;
        }
        None
    }

    /// Applies the reflective lookups seen so far to live class `hid` and its ancestors.
    fn apply_lookups(&mut self, hid: u32) {
        if self.refl_all.is_none()
            && self.refl_public.is_none()
            && self.refl_ctors.is_none()
            && self.refl_names.is_empty()
        {
            return;
        }
        let anc = self.ancestors(hid).to_vec();
        for a in anc {
            for k in 0..self.method_count(a) {
                let Some((m, node)) = self.method_at(a, k) else {
                    continue;
                };
                if let Some(Cause::Site { from, dex, offset }) = self.lookup_cause(&node, a == hid)
                {
                    self.reach(m, Via::Lookup { from, dex, offset });
                }
            }
        }
    }

    /// A new kind of reflective lookup was seen: applies it to the live classes once (one
    /// pass over the methods, marking the app ancestors of live classes first).
    fn reapply_lookups(&mut self, only_name: Option<(&str, Cause)>) {
        let candidates: Vec<u32> = match only_name {
            Some((name, cause)) => {
                if self.name_sigs.is_none() {
                    let mut m: Vec<Vec<u32>> = vec![Vec::new(); self.sigs.names.len()];
                    for sig in 0..self.sigs.len() as u32 {
                        if let Some(v) = m.get_mut(self.sigs.name_id(sig) as usize) {
                            v.push(sig);
                        }
                    }
                    self.name_sigs = Some(m);
                }
                if self.refl_sigs.is_empty() {
                    self.refl_sigs = vec![None; self.sigs.len()];
                }
                let sigs = self
                    .name_sigs
                    .as_ref()
                    .and_then(|m| m.get(self.sigs.names.find(name)? as usize))
                    .cloned()
                    .unwrap_or_default();
                for &sig in &sigs {
                    if let Some(e) = self.refl_sigs.get_mut(sig as usize) {
                        e.get_or_insert(cause);
                    }
                }
                Some(sigs)
                    .as_ref()
                    .map(|sigs| {
                        sigs.iter()
                            .flat_map(|&s| self.by_sig(s).iter().copied())
                            .collect()
                    })
                    .unwrap_or_default()
            }
            None => (0..self.nodes.len() as u32).collect(),
        };
        if !self.charge(candidates.len()) {
            return;
        }
        for m in candidates {
            let Some(node) = self.nodes.get(m as usize).copied() else {
                continue;
            };
            if self.seen.get(m as usize).is_some_and(|s| *s) {
                continue;
            }
            let mark = self.live_anc.get(node.class as usize).copied().unwrap_or(0);
            if mark == 0 {
                continue;
            }
            if let Some(Cause::Site { from, dex, offset }) = self.lookup_cause(&node, mark & 2 != 0)
            {
                self.reach(m, Via::Lookup { from, dex, offset });
            }
        }
    }

    /// Every method of class `hid` (reflection by name).
    fn named_class(&mut self, hid: u32, from: u32, dex: u32, offset: u32) {
        match self.named.get_mut(hid as usize) {
            Some(b) if !*b => *b = true,
            _ => return,
        }
        for k in 0..self.method_count(hid) {
            if let Some((m, _)) = self.method_at(hid, k) {
                self.reach(
                    m,
                    Via::Named {
                        from,
                        dex,
                        offset,
                        class: hid,
                    },
                );
            }
        }
        self.make_live(
            hid,
            Cause::Named {
                from,
                dex,
                offset,
                class: hid,
            },
        );
    }

    /// The definitions of `sig` a class inherits or defines: the first in its superclass
    /// chain, else those of the app interfaces among its ancestors (default methods).
    fn resolve_up(&self, class: u32, sig: u32, out: &mut Vec<u32>) -> usize {
        let h = &self.code.index.hierarchy;
        let mut cur = Some(class);
        let mut steps = 0;
        while let Some(c) = cur {
            steps += 1;
            if steps > MAX_ANCESTORS {
                break;
            }
            if let Some(n) = self.lookup(c, sig) {
                out.push(n);
                return steps;
            }
            cur = h.node(c).and_then(|x| x.superclass);
        }
        for &a in self.ancestors(class) {
            steps += 1;
            if let Some(n) = self.lookup(a, sig) {
                out.push(n);
            }
        }
        steps
    }

    /// Targets of an invoke of `class.sig` (see the module docs).
    fn targets(&mut self, class: u32, sig: u32, out: &mut Vec<u32>) {
        out.clear();
        if class == NONE || sig == NONE {
            return;
        }
        let mut spent = self.resolve_up(class, sig, out);
        if out
            .first()
            .and_then(|&n| self.nodes.get(n as usize))
            .is_some_and(|n| n.direct)
        {
            return;
        }
        // Downwards: definitions in subtypes (for a class, every override lies between the
        // receiver's class and `class`, so it is a subtype of `class`).
        if (sig as usize) >= self.sigs.len() {
            return;
        }
        spent = spent.saturating_add(self.by_sig(sig).len());
        for &(c, n) in self.virt_of(sig) {
            if self.subtype(c, class) {
                out.push(n);
            }
        }
        // For an interface, a class implementing it may inherit the method from a superclass
        // that does not: resolve upwards from every implementer.
        let interface = self
            .classes
            .get(class as usize)
            .is_some_and(|c| c.flags & ACC_INTERFACE != 0);
        if interface {
            self.generation = self.generation.wrapping_add(1);
            let generation = self.generation;
            let mut stack = vec![class];
            let mut extra = Vec::new();
            while let Some(c) = stack.pop() {
                match self.stamp.get_mut(c as usize) {
                    Some(s) if *s != generation => *s = generation,
                    _ => continue,
                }
                spent = spent.saturating_add(1);
                if spent > self.cha_budget {
                    break;
                }
                let is_interface = self
                    .classes
                    .get(c as usize)
                    .is_some_and(|x| x.flags & ACC_INTERFACE != 0);
                if !is_interface && self.lookup(c, sig).is_none() {
                    spent = spent.saturating_add(self.resolve_up(c, sig, &mut extra));
                }
                if let Some(ch) = self.children.get(c as usize) {
                    stack.extend(ch.iter().copied());
                }
            }
            out.extend(extra);
        }
        if spent > self.cha_budget {
            self.give_up(
                "class hierarchy analysis over its work budget".to_string(),
                None,
            );
            self.cha_budget = 0;
        } else {
            self.cha_budget -= spent;
        }
        out.sort_unstable();
        out.dedup();
    }

    fn run(&mut self) {
        let mut targets = Vec::new();
        while let Some(n) = self.queue.pop_front() {
            let Some(node) = self.nodes.get(n as usize).copied() else {
                continue;
            };
            self.init(node.class, Cause::Runs { from: n });
            let start = self.adj_start.get(n as usize).copied().unwrap_or(0) as usize;
            let end = self.adj_start.get(n as usize + 1).copied().unwrap_or(0) as usize;
            for k in start..end {
                let Some(e) = self.adj.get(k).copied() else {
                    break;
                };
                let site = Cause::Site {
                    from: n,
                    dex: e.dex,
                    offset: e.offset,
                };
                let i = e.item as usize;
                let done = match e.kind {
                    Kind::Method => self.mdone.get_mut(i),
                    Kind::Field => self.fdone.get_mut(i),
                    Kind::Type => self.tdone.get_mut(i),
                    Kind::Str => self.sdone.get_mut(i),
                };
                let first = match done {
                    Some(d) if !*d => {
                        *d = true;
                        true
                    }
                    _ => false,
                };
                match e.kind {
                    Kind::Method => {
                        let Some(&(class, sig, sp)) = self.mitems.get(i) else {
                            continue;
                        };
                        if sp != Special::None {
                            self.special(sp, n, &e);
                        }
                        if !first {
                            continue;
                        }
                        self.init(class, site);
                        self.targets(class, sig, &mut targets);
                        for &t in &targets {
                            self.reach(
                                t,
                                Via::Call {
                                    from: n,
                                    dex: e.dex,
                                    offset: e.offset,
                                },
                            );
                        }
                    }
                    Kind::Field if first => {
                        let c = self.fitems.get(i).copied().unwrap_or(NONE);
                        self.init(c, site);
                    }
                    Kind::Type if first => {
                        let c = self.titems.get(i).copied().unwrap_or(NONE);
                        self.make_live(c, site);
                    }
                    Kind::Str if first => {
                        let c = self.sitems.get(i).copied().unwrap_or(NONE);
                        self.named_class(c, n, e.dex, e.offset);
                    }
                    _ => {}
                }
            }
        }
    }

    /// The index site of edge `e` of node `n`.
    fn site_of(&self, n: u32, e: &Edge) -> Option<Site> {
        let node = self.nodes.get(n as usize)?;
        let (_, ci) = self
            .classes
            .get(node.class as usize)?
            .defs
            .iter()
            .find(|(d, _)| *d == e.dex)
            .copied()?;
        let method_idx = if e.dex == node.dex {
            node.method_idx
        } else {
            let m = self.method_of.get(e.dex as usize)?;
            m.iter().position(|&x| x == n)? as u32
        };
        Some(Site {
            dex: e.dex,
            class_def: ci,
            method_idx,
            offset: e.offset,
        })
    }

    /// Reflection and loading calls: decided per site.
    fn special(&mut self, sp: Special, n: u32, e: &Edge) {
        let at = Some((n, e.dex, e.offset));
        let cause = Cause::Site {
            from: n,
            dex: e.dex,
            offset: e.offset,
        };
        let code = self.code;
        let key = || {
            code.index
                .methods
                .key(code.dexes, e.item)
                .unwrap_or_default()
        };
        match sp {
            Special::None => {}
            Special::Loader => {
                let k = key();
                self.give_up(format!("dynamic code loading ({k})"), at);
            }
            Special::ForName(pos) | Special::MethodByName(pos) => {
                let k = key();
                let proto = k
                    .split_once("->")
                    .and_then(|(_, r)| r.find('(').and_then(|p| r.get(p..)));
                let constant = match (self.site_of(n, e), proto) {
                    (Some(site), Some(proto)) => {
                        code.arg_register(&site, proto, pos).and_then(|r| {
                            code.const_in(&site, r).or_else(|| {
                                let dex = code.dexes.get(site.dex as usize)?;
                                let item =
                                    code.code_of(site.dex, site.class_def, site.method_idx)?;
                                single_const_string(dex, &item, r).map(crate::code::Const::Str)
                            })
                        })
                    }
                    _ => None,
                };
                // An AppComponentFactory's instantiate* methods load the classes the
                // framework names: the manifest's, already entry points.
                let factory = sp == Special::ForName(pos) && {
                    let node = self.nodes.get(n as usize).copied();
                    node.is_some_and(|nd| {
                        self.sigs.name(nd.sig).starts_with("instantiate")
                            && self
                                .ancestors(nd.class)
                                .iter()
                                .any(|&a| self.class_name(a) == "Landroid/app/AppComponentFactory;")
                    })
                };
                if factory {
                    return;
                }
                match (sp, constant) {
                    (Special::ForName(_), Some(crate::code::Const::Str(_))) => {
                        // The constant string is itself an edge (a named class).
                    }
                    (Special::ForName(_), _) => {
                        if self.all_live.is_none() {
                            self.all_live = Some(Trigger {
                                reason: format!("class loaded by a computed name ({k})"),
                                method: Some(self.key(n)),
                                dex: Some(code.dex_name(e.dex)),
                                offset: Some(e.offset),
                            });
                            let lookup = Cause::Lookup {
                                from: n,
                                dex: e.dex,
                                offset: e.offset,
                            };
                            for c in 0..self.classes.len() as u32 {
                                if self.defined(c) {
                                    self.make_live(c, lookup);
                                }
                            }
                        }
                    }
                    (_, Some(crate::code::Const::Str(name))) => {
                        if !self.refl_names.contains_key(&name) {
                            self.refl_names.insert(name.clone(), cause);
                            self.reapply_lookups(Some((&name, cause)));
                        }
                    }
                    _ => {
                        if self.refl_all.is_none() {
                            self.refl_all = Some(cause);
                            self.reapply_lookups(None);
                        }
                    }
                }
            }
            Special::AllMethods => {
                if self.refl_all.is_none() {
                    self.refl_all = Some(cause);
                    self.reapply_lookups(None);
                }
            }
            Special::Constructors => {
                if self.refl_ctors.is_none() {
                    self.refl_ctors = Some(cause);
                    self.reapply_lookups(None);
                }
            }
            Special::JsBridge => {
                if self.refl_public.is_none() {
                    self.refl_public = Some(cause);
                    self.reapply_lookups(None);
                }
            }
            Special::ServiceLoader => {
                // Implementations of the types this method references become live.
                let start = self.adj_start.get(n as usize).copied().unwrap_or(0) as usize;
                let end = self.adj_start.get(n as usize + 1).copied().unwrap_or(0) as usize;
                let types: Vec<u32> = self
                    .adj
                    .get(start..end)
                    .unwrap_or_default()
                    .iter()
                    .filter(|x| x.kind == Kind::Type)
                    .filter_map(|x| self.titems.get(x.item as usize).copied())
                    .filter(|&c| c != NONE)
                    .collect();
                let mut subs = Vec::new();
                let mut seen = HashSet::new();
                for t in types {
                    let mut stack = vec![t];
                    while let Some(c) = stack.pop() {
                        if seen.len() > 1 << 16 || !seen.insert(c) {
                            continue;
                        }
                        subs.push(c);
                        if let Some(ch) = self.children.get(c as usize) {
                            stack.extend(ch.iter().copied());
                        }
                    }
                }
                for c in subs {
                    for k in 0..self.method_count(c) {
                        let Some((m, node)) = self.method_at(c, k) else {
                            continue;
                        };
                        if self.is_ctor(&node) {
                            self.reach(
                                m,
                                Via::Lookup {
                                    from: n,
                                    dex: e.dex,
                                    offset: e.offset,
                                },
                            );
                        }
                    }
                    self.make_live(
                        c,
                        Cause::Lookup {
                            from: n,
                            dex: e.dex,
                            offset: e.offset,
                        },
                    );
                }
            }
        }
    }

    fn finish(self) -> Reach {
        let h = &self.code.index.hierarchy;
        let reached = self.vias.iter().filter(|v| v.is_some()).count();
        Reach {
            class_names: ClassNames::new(h),
            sigs: self.sigs,
            nodes: self.nodes.iter().map(|n| (n.class, n.sig)).collect(),
            dex_names: (0..self.code.dexes.len() as u32)
                .map(|d| self.code.dex_name(d))
                .collect(),
            live_classes: self.live_list.len(),
            vias: self.vias,
            reasons: self.reasons,
            entries: self.entries,
            everything: self.everything,
            all_live: self.all_live,
            reached,
        }
    }
}

/// The registers an instruction may write: its `vA` (for every format that has one, stores
/// and branches included: an over-approximation), and `vA + 1` for wide results.
fn written(insn: &unmask_dex::Instruction<'_>) -> Option<(u32, bool)> {
    use unmask_dex::Operands as O;
    let a = match insn.operands {
        O::F12x { a, .. }
        | O::F11n { a, .. }
        | O::F22b { a, .. }
        | O::F22t { a, .. }
        | O::F22s { a, .. }
        | O::F22c { a, .. }
        | O::F11x { a }
        | O::F22x { a, .. }
        | O::F21t { a, .. }
        | O::F21s { a, .. }
        | O::F21h { a, .. }
        | O::F21c { a, .. }
        | O::F23x { a, .. }
        | O::F31t { a, .. }
        | O::F31i { a, .. }
        | O::F31c { a, .. }
        | O::F51l { a, .. } => u32::from(a),
        O::F32x { a, .. } => u32::from(a),
        _ => return None,
    };
    let name = insn.opcode.name();
    let base = name.strip_suffix("/2addr").unwrap_or(name);
    let wide = name.contains("-wide")
        || base.ends_with("-to-long")
        || base.ends_with("-to-double")
        || ((base.ends_with("-long") || base.ends_with("-double")) && !base.starts_with("cmp"));
    Some((a, wide))
}

/// The string register `reg` holds wherever it is read, when the method writes it exactly
/// once, with `const-string` (the verifier rejects reads of unset registers, so every read
/// sees that string). `None` for parameters, several writes or undecodable code.
fn single_const_string(
    dex: &DexFile<'_>,
    code: &unmask_dex::CodeItem<'_>,
    reg: u32,
) -> Option<String> {
    let params = u32::from(code.registers_size).saturating_sub(u32::from(code.ins_size));
    if reg >= params {
        return None;
    }
    let mut found = None;
    for item in code.instructions() {
        let (_, insn) = item.ok()?;
        let Some((a, wide)) = written(&insn) else {
            continue;
        };
        if a != reg && !(wide && a.saturating_add(1) == reg) {
            continue;
        }
        let name = insn.opcode.name();
        if a != reg || found.is_some() || !(name == "const-string" || name == "const-string/jumbo")
        {
            return None;
        }
        let (_, idx) = insn.index()?;
        found = Some(dex.string(idx).ok()?.into_owned());
    }
    found
}

/// An unsigned LEB128 value (at most 5 bytes) at `off`.
fn uleb128(data: &[u8], off: usize) -> Option<u32> {
    let mut v: u32 = 0;
    for i in 0..5 {
        let b = *data.get(off.checked_add(i)?)?;
        v |= u32::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some(v);
        }
    }
    None
}

/// Recognises reflection and loading APIs (cheap checks first: most calls are not).
fn special_of(dex: &DexFile<'_>, mid: &unmask_dex::MethodId) -> Special {
    let Ok(name) = dex.string_raw(mid.name_idx) else {
        return Special::None;
    };
    let name_ok = matches!(
        name,
        b"<init>"
            | b"loadDex"
            | b"forName"
            | b"loadClass"
            | b"findClass"
            | b"getMethod"
            | b"getDeclaredMethod"
            | b"getMethods"
            | b"getDeclaredMethods"
            | b"getConstructor"
            | b"getDeclaredConstructor"
            | b"getConstructors"
            | b"getDeclaredConstructors"
            | b"newInstance"
            | b"findVirtual"
            | b"findStatic"
            | b"findSpecial"
            | b"findConstructor"
            | b"addJavascriptInterface"
            | b"load"
            | b"loadInstalled"
    );
    if !name_ok {
        return Special::None;
    }
    let Ok(class) = dex.type_name(u32::from(mid.class_idx)) else {
        return Special::None;
    };
    if name == b"<init>" && !LOADERS.iter().any(|l| l.starts_with(&*class)) {
        return Special::None;
    }
    let Ok(proto) = dex.proto_signature(u32::from(mid.proto_idx)) else {
        return Special::None;
    };
    special(&format!(
        "{class}->{}{proto}",
        String::from_utf8_lossy(name)
    ))
}

/// Recognises reflection and loading APIs by descriptor.
fn special(key: &str) -> Special {
    if LOADERS.iter().any(|p| key.starts_with(p)) {
        return Special::Loader;
    }
    let Some((class, rest)) = key.split_once("->") else {
        return Special::None;
    };
    let name = rest.split('(').next().unwrap_or("");
    let proto = rest.get(rest.find('(').unwrap_or(0)..).unwrap_or("");
    let params = crate::code::param_types(proto);
    let string_pos = || params.iter().position(|t| *t == "Ljava/lang/String;");
    match (class, name) {
        ("Ljava/lang/Class;", "forName") => string_pos().map_or(Special::None, Special::ForName),
        (_, "loadClass" | "findClass") if params.first() == Some(&"Ljava/lang/String;") => {
            Special::ForName(0)
        }
        ("Ljava/lang/Class;", "getMethod" | "getDeclaredMethod") => Special::MethodByName(0),
        (
            "Ljava/lang/invoke/MethodHandles$Lookup;",
            "findVirtual" | "findStatic" | "findSpecial",
        ) => Special::MethodByName(1),
        ("Ljava/lang/Class;", "getMethods" | "getDeclaredMethods") => Special::AllMethods,
        (
            "Ljava/lang/Class;",
            "getConstructor"
            | "getDeclaredConstructor"
            | "getConstructors"
            | "getDeclaredConstructors"
            | "newInstance",
        )
        | ("Ljava/lang/invoke/MethodHandles$Lookup;", "findConstructor") => Special::Constructors,
        (_, "addJavascriptInterface") => Special::JsBridge,
        ("Ljava/util/ServiceLoader;", "load" | "loadInstalled") => Special::ServiceLoader,
        _ => Special::None,
    }
}
