//! Framework attribute ids (from AOSP `core/res/res/values/public.xml`) used by manifests.
//!
//! Ids are checked in the tests against `aapt dump xmltree` output and against the
//! `attr/...` names in framework-res's own resource table.

macro_rules! attrs {
    ($( $(#[$m:meta])* $konst:ident = $id:literal, $name:literal; )*) => {
        $(
            #[doc = concat!("`android:", $name, "`")]
            $(#[$m])*
            pub const $konst: u32 = $id;
        )*
        /// Every known `(id, name)` pair, sorted by id.
        pub const ALL: &[(u32, &str)] = &[ $( ($id, $name), )* ];
    };
}

attrs! {
    THEME = 0x0101_0000, "theme";
    LABEL = 0x0101_0001, "label";
    ICON = 0x0101_0002, "icon";
    NAME = 0x0101_0003, "name";
    MANAGE_SPACE_ACTIVITY = 0x0101_0004, "manageSpaceActivity";
    ALLOW_CLEAR_USER_DATA = 0x0101_0005, "allowClearUserData";
    PERMISSION = 0x0101_0006, "permission";
    READ_PERMISSION = 0x0101_0007, "readPermission";
    WRITE_PERMISSION = 0x0101_0008, "writePermission";
    PROTECTION_LEVEL = 0x0101_0009, "protectionLevel";
    PERMISSION_GROUP = 0x0101_000a, "permissionGroup";
    SHARED_USER_ID = 0x0101_000b, "sharedUserId";
    HAS_CODE = 0x0101_000c, "hasCode";
    PERSISTENT = 0x0101_000d, "persistent";
    ENABLED = 0x0101_000e, "enabled";
    DEBUGGABLE = 0x0101_000f, "debuggable";
    EXPORTED = 0x0101_0010, "exported";
    PROCESS = 0x0101_0011, "process";
    TASK_AFFINITY = 0x0101_0012, "taskAffinity";
    MULTIPROCESS = 0x0101_0013, "multiprocess";
    FINISH_ON_TASK_LAUNCH = 0x0101_0014, "finishOnTaskLaunch";
    CLEAR_TASK_ON_LAUNCH = 0x0101_0015, "clearTaskOnLaunch";
    STATE_NOT_NEEDED = 0x0101_0016, "stateNotNeeded";
    EXCLUDE_FROM_RECENTS = 0x0101_0017, "excludeFromRecents";
    AUTHORITIES = 0x0101_0018, "authorities";
    SYNCABLE = 0x0101_0019, "syncable";
    INIT_ORDER = 0x0101_001a, "initOrder";
    GRANT_URI_PERMISSIONS = 0x0101_001b, "grantUriPermissions";
    PRIORITY = 0x0101_001c, "priority";
    LAUNCH_MODE = 0x0101_001d, "launchMode";
    SCREEN_ORIENTATION = 0x0101_001e, "screenOrientation";
    CONFIG_CHANGES = 0x0101_001f, "configChanges";
    DESCRIPTION = 0x0101_0020, "description";
    TARGET_PACKAGE = 0x0101_0021, "targetPackage";
    HANDLE_PROFILING = 0x0101_0022, "handleProfiling";
    FUNCTIONAL_TEST = 0x0101_0023, "functionalTest";
    VALUE = 0x0101_0024, "value";
    RESOURCE = 0x0101_0025, "resource";
    MIME_TYPE = 0x0101_0026, "mimeType";
    SCHEME = 0x0101_0027, "scheme";
    HOST = 0x0101_0028, "host";
    PORT = 0x0101_0029, "port";
    PATH = 0x0101_002a, "path";
    PATH_PREFIX = 0x0101_002b, "pathPrefix";
    PATH_PATTERN = 0x0101_002c, "pathPattern";
    ACTION = 0x0101_002d, "action";
    DATA = 0x0101_002e, "data";
    TARGET_CLASS = 0x0101_002f, "targetClass";
    TARGET_ACTIVITY = 0x0101_0202, "targetActivity";
    ALWAYS_RETAIN_TASK_STATE = 0x0101_0203, "alwaysRetainTaskState";
    ALLOW_TASK_REPARENTING = 0x0101_0204, "allowTaskReparenting";
    MIN_SDK_VERSION = 0x0101_020c, "minSdkVersion";
    VERSION_CODE = 0x0101_021b, "versionCode";
    VERSION_NAME = 0x0101_021c, "versionName";
    WINDOW_SOFT_INPUT_MODE = 0x0101_022b, "windowSoftInputMode";
    NO_HISTORY = 0x0101_022d, "noHistory";
    SHARED_USER_LABEL = 0x0101_0261, "sharedUserLabel";
    TARGET_SDK_VERSION = 0x0101_0270, "targetSdkVersion";
    MAX_SDK_VERSION = 0x0101_0271, "maxSdkVersion";
    TEST_ONLY = 0x0101_0272, "testOnly";
    BACKUP_AGENT = 0x0101_027f, "backupAgent";
    ALLOW_BACKUP = 0x0101_0280, "allowBackup";
    GL_ES_VERSION = 0x0101_0281, "glEsVersion";
    REQUIRED = 0x0101_028e, "required";
    KILL_AFTER_RESTORE = 0x0101_029c, "killAfterRestore";
    FINISH_ON_CLOSE_SYSTEM_DIALOGS = 0x0101_02a7, "finishOnCloseSystemDialogs";
    INSTALL_LOCATION = 0x0101_02b7, "installLocation";
    VM_SAFE_MODE = 0x0101_02b8, "vmSafeMode";
    LOGO = 0x0101_02be, "logo";
    HARDWARE_ACCELERATED = 0x0101_02d3, "hardwareAccelerated";
    LARGE_HEAP = 0x0101_035a, "largeHeap";
    STOP_WITH_TASK = 0x0101_036a, "stopWithTask";
    UI_OPTIONS = 0x0101_0398, "uiOptions";
    PARENT_ACTIVITY_NAME = 0x0101_03a7, "parentActivityName";
    ISOLATED_PROCESS = 0x0101_03a9, "isolatedProcess";
    SUPPORTS_RTL = 0x0101_03af, "supportsRtl";
    SINGLE_USER = 0x0101_03bf, "singleUser";
    PERMISSION_FLAGS = 0x0101_03c7, "permissionFlags";
    BANNER = 0x0101_03f2, "banner";
    DOCUMENT_LAUNCH_MODE = 0x0101_0445, "documentLaunchMode";
    FULL_BACKUP_ONLY = 0x0101_0473, "fullBackupOnly";
    RELINQUISH_TASK_IDENTITY = 0x0101_0476, "relinquishTaskIdentity";
    EXTRACT_NATIVE_LIBS = 0x0101_04ea, "extractNativeLibs";
    FULL_BACKUP_CONTENT = 0x0101_04eb, "fullBackupContent";
    USES_CLEARTEXT_TRAFFIC = 0x0101_04ec, "usesCleartextTraffic";
    DEFAULT_TO_DEVICE_PROTECTED_STORAGE = 0x0101_0504, "defaultToDeviceProtectedStorage";
    DIRECT_BOOT_AWARE = 0x0101_0505, "directBootAware";
    NETWORK_SECURITY_CONFIG = 0x0101_0527, "networkSecurityConfig";
    ROUND_ICON = 0x0101_052c, "roundIcon";
    VISIBLE_TO_INSTANT_APPS = 0x0101_0531, "visibleToInstantApps";
    TARGET_SANDBOX_VERSION = 0x0101_054c, "targetSandboxVersion";
    COMPILE_SDK_VERSION = 0x0101_0572, "compileSdkVersion";
    COMPILE_SDK_VERSION_CODENAME = 0x0101_0573, "compileSdkVersionCodename";
    VERSION_CODE_MAJOR = 0x0101_0576, "versionCodeMajor";
    APP_COMPONENT_FACTORY = 0x0101_057a, "appComponentFactory";
    FOREGROUND_SERVICE_TYPE = 0x0101_0599, "foregroundServiceType";
    REQUEST_LEGACY_EXTERNAL_STORAGE = 0x0101_0603, "requestLegacyExternalStorage";
}

/// The `android:` name of framework attribute `id` (e.g. `0x01010003` → `"name"`).
pub fn android_attr_name(id: u32) -> Option<&'static str> {
    ALL.binary_search_by_key(&id, |&(i, _)| i)
        .ok()
        .and_then(|i| ALL.get(i))
        .map(|&(_, n)| n)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
mod tests {
    #[test]
    fn sorted_and_unique() {
        for w in super::ALL.windows(2) {
            assert!(w[0].0 < w[1].0, "{:?} {:?}", w[0], w[1]);
        }
        assert_eq!(super::android_attr_name(super::NAME), Some("name"));
        assert_eq!(super::android_attr_name(0x0101_0604), None);
    }
}
