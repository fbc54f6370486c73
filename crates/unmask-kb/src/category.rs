//! Data categories.

use serde::Serialize;

macro_rules! categories {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, )*) => {
        /// A category of personal data (or, for [`Category::ContentProvider`], a marker that the
        /// category follows the content URI argument).
        ///
        /// Written in the data files by its [`Category::as_str`] name.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Category {
            $( $(#[$doc])* #[serde(rename = $name)] $variant, )*
        }

        impl Category {
            /// Every category, in a stable order.
            pub const ALL: &'static [Category] = &[$(Category::$variant,)*];

            /// The name used in data files and reports, e.g. `location.precise`.
            pub fn as_str(self) -> &'static str {
                match self { $(Category::$variant => $name,)* }
            }

            /// Parses a category name as written in the data files.
            pub fn parse(name: &str) -> Option<Category> {
                match name { $($name => Some(Category::$variant),)* _ => None }
            }
        }
    };
}

categories! {
    /// Precise location (GPS, fused, fine permission).
    LocationPrecise => "location.precise",
    /// Coarse location (network, cell, Wi-Fi based; coarse permission).
    LocationCoarse => "location.coarse",
    /// Address book.
    Contacts => "contacts",
    /// SMS and MMS messages.
    Sms => "sms",
    /// Call history and voicemail.
    CallLog => "call_log",
    /// Ongoing calls: state, numbers, control.
    PhoneCalls => "phone_calls",
    /// Device and SIM identifiers (IMEI, IMSI, serial, Android ID, MAC, advertising ID...).
    DeviceId => "device_id",
    /// The device's own phone number(s).
    PhoneNumber => "phone_number",
    /// Accounts on the device and their tokens.
    Accounts => "accounts",
    /// Installed and running apps, app usage.
    InstalledApps => "installed_apps",
    /// Calendar events.
    Calendar => "calendar",
    /// Audio recording.
    Microphone => "microphone",
    /// Camera capture.
    Camera => "camera",
    /// Photos, videos, audio in the media store and their metadata.
    Media => "media",
    /// Files and shared storage.
    Files => "files",
    /// Clipboard content.
    Clipboard => "clipboard",
    /// Wi-Fi scan results and connection info.
    Wifi => "wifi",
    /// Cell / base-station info and mobile operator.
    CellInfo => "cell_info",
    /// Bluetooth devices and scans.
    Bluetooth => "bluetooth",
    /// Browser history and bookmarks.
    BrowserHistory => "browser_history",
    /// Other apps' notifications.
    Notifications => "notifications",
    /// Screen content: accessibility, screen capture.
    ScreenContent => "screen_content",
    /// Motion, environment and body sensors, activity recognition.
    Sensors => "sensors",
    /// Biometric authentication.
    Biometrics => "biometrics",
    /// Credentials typed or stored: password fields, autofill, HTTP auth.
    Credentials => "credentials",
    /// Meta-category: a content-provider access whose category follows the URI argument
    /// (resolve it with [`crate::ContentUriTable`]).
    ContentProvider => "content_provider",
}

impl Category {
    /// The categories every knowledge base must cover with at least one API or URI row
    /// (all but the [`Category::ContentProvider`] meta-category).
    pub fn required() -> impl Iterator<Item = Category> {
        Category::ALL
            .iter()
            .copied()
            .filter(|c| *c != Category::ContentProvider)
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Checks that `sub` is `category` itself or `category.` followed by lowercase words.
pub(crate) fn valid_subcategory(category: Category, sub: &str) -> bool {
    let Some(rest) = sub.strip_prefix(category.as_str()) else {
        return false;
    };
    rest.is_empty()
        || rest.strip_prefix('.').is_some_and(|r| {
            !r.is_empty()
                && r.split('.').all(|w| {
                    !w.is_empty()
                        && w.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                })
        })
}
