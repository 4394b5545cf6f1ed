//! The emulator's answers are pinned byte for byte: for a fixed seed and configuration, every
//! page of every collection (whole pages, `fields=` edits, `latest=true`, single documents,
//! the sandbox), for users in several time zones, hashes to the digests below. A change to
//! generation or serialization that moves a single byte fails here, naming the collection and
//! the request kind; a change that is meant to alter the data updates the digests on purpose
//! (`OURA_GOLDEN_PRINT=1` prints the table the current code gives).

mod common;

use chrono::{Days, NaiveDate};
use common::{client, start};
use oura_api_sys::catalog::{Param, RangeKind};
use oura_emulator::{Collection, Emulator, EmulatorConfig};
use sha2::{Digest, Sha256};

const TODAY: NaiveDate = match NaiveDate::from_ymd_opt(2025, 6, 30) {
    Some(day) => day,
    None => panic!("a valid date"),
};

/// Digests of the answers, by request kind; each hashes the status and body of every page of
/// the kind, in order, with their lengths.
const EXPECTED: &[(&str, &str)] = &[
    (
        "year daily_activity pages",
        "065354b3b81d6a4d8c6718d5138fd4ca4c1e819802668ae11a10a2ff9e91b7ed",
    ),
    (
        "year daily_activity fields",
        "6bf09d28fdaf85bbe8de5d207f417048ee0e3394a116ad28b877571b2ed986d3",
    ),
    (
        "year daily_activity single",
        "1c7aef227cb4ca3cac3740d29dc291409b6229d42496e952ea5e5a051d80644d",
    ),
    (
        "year daily_cardiovascular_age pages",
        "b90a47f205d77692c0432d128a9bfd97a3583cf3b910f69c2d1d3825166309d7",
    ),
    (
        "year daily_cardiovascular_age fields",
        "87c903007fe3d7fbc49be08bcf1eb32177de8561c138054a08dae49835edd4de",
    ),
    (
        "year daily_cardiovascular_age single",
        "02e041d5810eb00e9237bab0a687d26eb6bdcd64c7d7417963ff6e84e11a0308",
    ),
    (
        "year daily_readiness pages",
        "fa683ed10ff62477838ff3efbf58a9f35df58cecc7aee8a98d594a886e68c68b",
    ),
    (
        "year daily_readiness fields",
        "b9f64bde4fe40661e0a5a51e156d0669d73a91ba6d10073eaed5cbe0b37a2ae8",
    ),
    (
        "year daily_readiness single",
        "68dacfd82050ddcae3963ef53f915b1767fed48728c05638d812c2d8300c4470",
    ),
    (
        "year daily_resilience pages",
        "7d2586265b3497f1077de2494421f88ae8bd011f6f545bf9d26596b5d547cd05",
    ),
    (
        "year daily_resilience fields",
        "7d2586265b3497f1077de2494421f88ae8bd011f6f545bf9d26596b5d547cd05",
    ),
    (
        "year daily_resilience single",
        "b10bb92238e663bad11475d41b7f6b46d297b5a781a5ec953dde4a3ec2d6e530",
    ),
    (
        "year daily_sleep pages",
        "a06b6710b8f03a22f30c1e681a2e8c94acb007d61a64525bec52c28ea9db28ff",
    ),
    (
        "year daily_sleep fields",
        "d7a9c0b6a20e11dc867051211b724aec1a70fcd14b9ce3f0ea0980839d53af8f",
    ),
    (
        "year daily_sleep single",
        "aeac6d9c83cd7e47fc4a7ccc2ab40fc6494ba7eb7688bbe62a20b32e1b7baf0c",
    ),
    (
        "year daily_spo2 pages",
        "60ef4623243fa4ecdce7093fc88207afd681a1cc0fb055e15556bdffbcc8c322",
    ),
    (
        "year daily_spo2 fields",
        "45569fe2f7b540a17b2e8451da3b803140cf934fa84f83f39a22d03acff7f919",
    ),
    (
        "year daily_spo2 single",
        "fed169a7899d9bc713dbb1a1559a162e6a7bcf6e2b29cb00296b60003b9ce9e2",
    ),
    (
        "year daily_stress pages",
        "349ff504cd8e340e4140fcf105c9c48b6bce86fe8582e4817b73f0c1e7ceeab2",
    ),
    (
        "year daily_stress fields",
        "b328d0332798054821dea2e82cdf6de838db57ea1ea629ddc9695eba039314d7",
    ),
    (
        "year daily_stress single",
        "05899ae22de34c8ab3e6d086e461c6a32c10ea2ae7409af82af87cb678397bac",
    ),
    (
        "year enhanced_tag pages",
        "5408cdab0a86ccf3c29b4aba893d1d99cfe3906167f34ebb1e6565354891fd19",
    ),
    (
        "year enhanced_tag fields",
        "b1f87fe6155fe65fda8474d998fb9fd6292c7d0ed4d1a97b43c0cd22625984b7",
    ),
    (
        "year enhanced_tag single",
        "b1a64baf4eb0d732e98db22231d545f89de01d2e7f877944504b59742e892dbf",
    ),
    (
        "year heartrate pages",
        "0fd8da867ee102d77183e2570019f5d2ea2780875dc13cb326290a6a728e9bca",
    ),
    (
        "year heartrate fields",
        "ece491f22b857f50aaa18f5480779f1bd786fb134f921acc25b5b55fd4dcc6b9",
    ),
    (
        "year heartrate latest",
        "3da589f33e5859864aeb1b70734615bdea9d7afd00adcaf2ec3beba8300674e9",
    ),
    (
        "year rest_mode_period pages",
        "2d096232f53e463605495aa57aa435df8c1865ea4e3e114716a60da7602fa8d4",
    ),
    (
        "year rest_mode_period fields",
        "2d096232f53e463605495aa57aa435df8c1865ea4e3e114716a60da7602fa8d4",
    ),
    (
        "year ring_battery_level pages",
        "7df37a239fd17eadefe004c37ddd18b32573418aa35dba2c0a97e8edc063edc5",
    ),
    (
        "year ring_battery_level fields",
        "93e9a5b151ad7b1ae632d6a97d06f061317c40201c75883b669722cc56f90a9c",
    ),
    (
        "year ring_battery_level latest",
        "30f6fb462162d67fdc9a6095eaf5d0b3e96436e018719f9dbd64354f2ae11099",
    ),
    (
        "year ring_configuration pages",
        "1744b75b7bc56ebe6457ea36924c7dbd7883fd89866bda02151b17ddca58aa6c",
    ),
    (
        "year ring_configuration fields",
        "2ce6be685d9688bb622c1aa2aebc98a66364155d4daf439f5ffe0d461cbe27a2",
    ),
    (
        "year ring_configuration single",
        "74dcafcf185257e37b2375638204174b6bb0ff07986f7f3437cbc3caa450c0b2",
    ),
    (
        "year session pages",
        "482ec856ac947bb1a0d0eea233e92bc85dc40e6bcb7ca70fbbe19d70888993bb",
    ),
    (
        "year session fields",
        "6e24ee8d4dfe83ed00a2048fd00345da3be5f1ade97003d346500d55b7b19e2e",
    ),
    (
        "year session single",
        "e22a7177b91114b6e3d08c510910b0c70a5e505491a4d6650a6f7c7e4e7503ee",
    ),
    (
        "year sleep pages",
        "7f74b7bd469e7801edbff72c4b5cf0717a57a8ec1f92d10227fb9556d347a158",
    ),
    (
        "year sleep fields",
        "9fa9ead144bc56aa88cc240e1d1f536c5619aa4d44f9bd7c1abd59bf542a92db",
    ),
    (
        "year sleep single",
        "e03edbfb6c927142dd95a86d003b8594b1b8a7091a1417ca172fd4ed15ced89e",
    ),
    (
        "year sleep_time pages",
        "1e7fdfac1c66908780fdf78377ee65662a6325c5db84ffda112af11c3a94e386",
    ),
    (
        "year sleep_time fields",
        "223295ddbe6a0d3fe62fe39ac22204908ce394b6fd13773ae6f851e997d5be68",
    ),
    (
        "year sleep_time single",
        "f6c444aab33a3d8fd3438a6a035ce8f9d6adfe360d649fdb90b88cf09909dd66",
    ),
    (
        "year tag pages",
        "04957e730141b4c6c05458f67cf42e98f3f75c26b40427d9880356b9c523fe2c",
    ),
    (
        "year tag fields",
        "04957e730141b4c6c05458f67cf42e98f3f75c26b40427d9880356b9c523fe2c",
    ),
    (
        "year tag single",
        "4da4c477170358d6d50222094d3531a133f3a7c74fafa6749f2bd73550634720",
    ),
    (
        "year vO2_max pages",
        "f164b2cae21d1ff9a1f1520af9272c2431842277748be4a4a206ec1af78d2c08",
    ),
    (
        "year vO2_max fields",
        "f164b2cae21d1ff9a1f1520af9272c2431842277748be4a4a206ec1af78d2c08",
    ),
    (
        "year vO2_max single",
        "2c990516b7739dfa5ddb1c1ce16e40bfa79d6771facfa97d00238f54459644ed",
    ),
    (
        "year workout pages",
        "bc216d9155cdfc46d0a1f3e84478926af7eea778b7b112751d8576ff4072e6fc",
    ),
    (
        "year workout fields",
        "b367666a2a5fa3da2f9b86c0cde965a3bf997552bc210639c7812920a89f6f1e",
    ),
    (
        "year workout single",
        "05b93084ac86a424669a2c1f2d23ee878c7c835811c56c5262a0283d5826c209",
    ),
    (
        "year personal_info and sandbox",
        "046dc8cf5232889a57d1a92dafdc3e4773958db085af765a62f84e5f89dcee87",
    ),
    (
        "users daily_activity pages",
        "8bae263ab6af387e593aa8a203d653064e9be6e9d9ab071088a2df67b45a1627",
    ),
    (
        "users daily_activity fields",
        "d2ca7ddeeabc8ea121ef9de18184d39d63604cca145e1d1a97a9034c1c65e588",
    ),
    (
        "users daily_activity single",
        "e8caa16128c71f02716bf1c9d4b772fa6874b5c9dcd68268ec5b9466c7492755",
    ),
    (
        "users daily_cardiovascular_age pages",
        "f348bb667e8b86e8ccceb5d1e9d46fc16eebc2c2787b043ace5db72997ba57cd",
    ),
    (
        "users daily_cardiovascular_age fields",
        "dd766afaac2cffd7e7b0868405c7f6dbf1843cbf7ac9d0b89dacd55c1700fd42",
    ),
    (
        "users daily_cardiovascular_age single",
        "00cf86d3d6e18b351f7f63d1eb760d367332bc45085fd3cafde18c16e86c3301",
    ),
    (
        "users daily_readiness pages",
        "64247a0a331572950c1a8a38ce6de4752800f2310c5027d2c3a9e020e1a317fa",
    ),
    (
        "users daily_readiness fields",
        "1ff2ef3dbf2e999e31b99f3c65d77d151404d270f7cc8f7fc73685f3759d7199",
    ),
    (
        "users daily_readiness single",
        "fcb9bb010eac87f09d31c911fcd49d16902349d0429debe6b6cb76ed12cec2c4",
    ),
    (
        "users daily_resilience pages",
        "5cc4a0f5ba44b9edb00c60e723450452bc1ac01431dd8dd110108ee644d66163",
    ),
    (
        "users daily_resilience fields",
        "5cc4a0f5ba44b9edb00c60e723450452bc1ac01431dd8dd110108ee644d66163",
    ),
    (
        "users daily_resilience single",
        "ba78cb92591d8d62836b1d35c3acd10415dcdb7296e43584183a4c7d94973f4e",
    ),
    (
        "users daily_sleep pages",
        "69d3412ce964d945a2ae955f2ef9c63761757c591bba05ec0a1de8592d51b00b",
    ),
    (
        "users daily_sleep fields",
        "c08f6989362d361e8e557acfbfdb5a14235b66d8c842731682be631a5b35894c",
    ),
    (
        "users daily_sleep single",
        "54a5b1800b7cea6b3fa7b26b83c4d263ccbbaac5b71496809ed152da819d8098",
    ),
    (
        "users daily_spo2 pages",
        "70fbe6ee94f68cdc78bc6407da3405e8d04e9629d8883e777498fd774efec9fb",
    ),
    (
        "users daily_spo2 fields",
        "be2ffde07b99cbec01f6317524994d502141e57d3c9f7744e642ffc573280182",
    ),
    (
        "users daily_spo2 single",
        "024d77b736a92ee05702e09513cfb0b0d1bb0973ceb5d40ab202e71103a50d28",
    ),
    (
        "users daily_stress pages",
        "f00671370225233206fcf1e81d1e5a15a2d74accb8cdf58056ea60c940c1c926",
    ),
    (
        "users daily_stress fields",
        "3566524088ad99b125a82ea3cf49e5588b0e65f48a5e9d082512d15bd7426894",
    ),
    (
        "users daily_stress single",
        "a9ee4b2ee85a1fb531e111540a1281bf5d604a1f852e6d3039714f17138f20d7",
    ),
    (
        "users enhanced_tag pages",
        "782f29af238548cebccbe5e1f829527072bd1d1200067910235ab467fd2bc626",
    ),
    (
        "users enhanced_tag fields",
        "64d6d6936073e3273f4c88f5d5b16fece71c64ee88996e3b2b37be37d2cd255c",
    ),
    (
        "users enhanced_tag single",
        "3fb81dbf9913c5549cf90044e0be4ce57f70389422c0ccc4d5472c0d3fa50c4e",
    ),
    (
        "users heartrate pages",
        "aa3423fbcc2a3cc9b5d009d96afd5e547f49d10634914e2a4d747904edaf5539",
    ),
    (
        "users heartrate fields",
        "d578addc35909145a3a1f16f72bcffe5b4dc46affd692bd1603bd09a2d96be58",
    ),
    (
        "users heartrate latest",
        "7decd44c7cdbbbf02c751413227b22d9fb9e1064815c03afcc735108316c8812",
    ),
    (
        "users rest_mode_period pages",
        "48c93ccbaf8425d8972a61d0eadb0fc9d002b77ce37922eb7f3ee86e609c98ce",
    ),
    (
        "users rest_mode_period fields",
        "bbe6fe1b2d2f4ca5189558fb171739de0060ed997c6e3df87f60ac5eb1d4d87e",
    ),
    (
        "users rest_mode_period single",
        "5f42e9a7d9d3fa51690f524c01c25d8e16a7f53e837d7591ac9e24daac9a7aa9",
    ),
    (
        "users ring_battery_level pages",
        "26ee8741592a354797b809fc3e0c23ba0af29932d6de8dcf45d0fe6d2c011c5c",
    ),
    (
        "users ring_battery_level fields",
        "6bf7223a352712580cdfad9fad2b894302f86f31de4e203007e24bc4e9859250",
    ),
    (
        "users ring_battery_level latest",
        "4fdecd6450a5cca42257e47495a075e95dc45194bb1bc6e3b06e029cc34f0e09",
    ),
    (
        "users ring_configuration pages",
        "f91e26a50cc3dc69bc8767c7480f5cb7044c098297ffae7352847756e2af101e",
    ),
    (
        "users ring_configuration fields",
        "007f778bb78a55af470abfc66ac25a28a308cadca512c3dc802c5dccfb65a6ba",
    ),
    (
        "users ring_configuration single",
        "e361b5bc63087e003914a77cf7e4ae6b9fbce96d5aabce4270817e800e081afe",
    ),
    (
        "users session pages",
        "29987733dd6cfb21af0fb5937a4f05f01cd35f170bae780955bdf744f71c7e52",
    ),
    (
        "users session fields",
        "8e008218a25466c0188eddeae429930a75594c0edf08564184796e5d439bf7e8",
    ),
    (
        "users session single",
        "3ad193bc37ac083ea1e103d4a66d751ba3aafaa1435eefc896085324133da9d3",
    ),
    (
        "users sleep pages",
        "ab0a87e9d8dcadb3a2edf7d075d51a845b26d7392500421664deb54c46445088",
    ),
    (
        "users sleep fields",
        "1b3319197709f1e51a3944f83c808abaf2abc13ab24c154620f7c3c4e76d9c21",
    ),
    (
        "users sleep single",
        "7619cf9a185e6107ba24367612ca4ccdc063e701c53465345b72aaa60cc3a646",
    ),
    (
        "users sleep_time pages",
        "f6e0f979effed89bbe26c61d4275f9f619f73d4ce4f97dc505feee6ce70882f2",
    ),
    (
        "users sleep_time fields",
        "34eeabcdc4148ce002c3feca75fc6b4a36463ee629714e2ff75dea969ca15bf1",
    ),
    (
        "users sleep_time single",
        "d8e32da891fdbfaee81b8a05ddf10ea4a07e3716cf8bfca000eb65357b840c3e",
    ),
    (
        "users tag pages",
        "7b2e2119a895c18624727dea51a41393e395fb851f9587e371737a0f81a60e6c",
    ),
    (
        "users tag fields",
        "7b2e2119a895c18624727dea51a41393e395fb851f9587e371737a0f81a60e6c",
    ),
    (
        "users tag single",
        "be09491cf7cccaccdf720d4e86d3151b05c77df868dc44d6fdfb56cafe97a9df",
    ),
    (
        "users vO2_max pages",
        "71a07f27dee0b33f2a02da631365e657d11373eba2787c48e6b04e2484a29af1",
    ),
    (
        "users vO2_max fields",
        "71a07f27dee0b33f2a02da631365e657d11373eba2787c48e6b04e2484a29af1",
    ),
    (
        "users vO2_max single",
        "758eb14a67ab9f47934c3160c3b762058b394474803c4e0a775a9a13435e9be4",
    ),
    (
        "users workout pages",
        "dbd02751997506116c1c2495d897f39e783705c9ece77913fd7d59bad7d795fb",
    ),
    (
        "users workout fields",
        "d8fb45bac2fe2ad5afe57342482fedfc1f0610d8ad11bb766620bcf7728df20d",
    ),
    (
        "users workout single",
        "7607731058fa0255f6a473f82eba968a869cc3c6bceca2917ed298a17d5f7bdd",
    ),
    (
        "users personal_info and sandbox",
        "262e6d0b2b43c56c863d08b92da8fa3d78ebe0d946d94abf04f89785d65b0bce",
    ),
];

/// Hashes the answers of one request kind.
struct Pages {
    hasher: Sha256,
    pages: usize,
    bytes: usize,
}

impl Pages {
    fn new() -> Self {
        Self {
            hasher: Sha256::new(),
            pages: 0,
            bytes: 0,
        }
    }

    fn add(&mut self, status: u16, body: &[u8]) {
        self.hasher.update(status.to_le_bytes());
        self.hasher.update((body.len() as u64).to_le_bytes());
        self.hasher.update(body);
        self.pages += 1;
        self.bytes += body.len();
    }

    fn digest(self) -> String {
        self.hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

async fn fetch(emulator: &Emulator, path: &str, token: &str) -> (u16, Vec<u8>) {
    let response = client()
        .get(format!("{}{path}", emulator.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.bytes().await.expect("body").to_vec())
}

/// Every page of `path` (following `next_token`) into `pages`; the JSON of each page.
async fn all_pages(emulator: &Emulator, path: &str, token: &str, pages: &mut Pages) -> Vec<serde_json::Value> {
    let mut next: Option<String> = None;
    let mut seen = Vec::new();
    loop {
        let url = match &next {
            None => path.to_owned(),
            Some(token) => format!("{path}&next_token={token}"),
        };
        let (status, body) = fetch(emulator, &url, token).await;
        assert_eq!(status, 200, "{url}: {}", String::from_utf8_lossy(&body));
        pages.add(status, &body);
        let page: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        next = page["next_token"].as_str().map(str::to_owned);
        seen.push(page);
        if next.is_none() {
            return seen;
        }
        assert!(seen.len() < 10_000, "runaway pagination");
    }
}

/// The range windows of a collection over `first..=last` (30 days at most for the series).
fn windows(collection: Collection, first: NaiveDate, last: NaiveDate) -> Vec<String> {
    match collection.spec().range {
        RangeKind::Whole => vec![String::new()],
        RangeKind::Days => vec![format!("start_date={first}&end_date={last}")],
        RangeKind::Series => {
            let mut windows = Vec::new();
            let mut from = first;
            while from <= last {
                let to = from.checked_add_days(Days::new(30)).expect("date");
                let to = to.min(last.succ_opt().expect("date"));
                windows.push(format!(
                    "start_datetime={from}T00:00:00%2B00:00&end_datetime={to}T00:00:00%2B00:00"
                ));
                from = to;
            }
            windows
        }
    }
}

/// The field asked for in the `fields=` variant: the model's first, so the edit removes every
/// other field that is not required.
fn some_field(collection: Collection) -> &'static str {
    collection.spec().fields.first().map_or("id", |f| f.name)
}

async fn record(emulator: &Emulator, label: &str, users: usize, first: NaiveDate, digests: &mut Vec<(String, String)>) {
    let mut offsets = std::collections::BTreeSet::new();
    for collection in Collection::ALL {
        let spec = collection.spec();
        let mut whole = Pages::new();
        let mut edited = Pages::new();
        let mut latest = Pages::new();
        let mut single = Pages::new();
        for user in 0..users {
            let token = emulator.token(user);
            for window in windows(collection, first, TODAY) {
                let path = format!("/v2/usercollection/{}?{window}", collection.path());
                let pages = all_pages(emulator, &path, &token, &mut whole).await;
                if collection == Collection::DailySleep {
                    let timestamp = pages[0]["data"][0]["timestamp"].as_str().expect("timestamp");
                    offsets.insert(timestamp[timestamp.len() - 6..].to_owned());
                }
                if spec.takes(Param::Fields, false) {
                    let path = format!("{path}&fields={}", some_field(collection));
                    all_pages(emulator, &path, &token, &mut edited).await;
                }
                if spec.takes(Param::Latest, false) {
                    let (status, body) = fetch(emulator, &format!("{path}&latest=true"), &token).await;
                    latest.add(status, &body);
                }
                if spec.single {
                    let ids = pages
                        .iter()
                        .flat_map(|p| p["data"].as_array().into_iter().flatten())
                        .filter_map(|d| d["id"].as_str())
                        .take(3);
                    for id in ids {
                        let path = format!("/v2/usercollection/{}/{id}", collection.path());
                        let (status, body) = fetch(emulator, &path, &token).await;
                        assert_eq!(status, 200, "{path}");
                        single.add(status, &body);
                    }
                }
            }
        }
        for (kind, pages) in [
            ("pages", whole),
            ("fields", edited),
            ("latest", latest),
            ("single", single),
        ] {
            if pages.pages > 0 {
                assert!(pages.bytes > 0, "{label} {collection} {kind}: empty answers");
                digests.push((format!("{label} {collection} {kind}"), pages.digest()));
            }
        }
    }
    if users > 1 {
        assert!(
            offsets.len() >= 4
                && offsets.iter().any(|o| o.starts_with('-'))
                && offsets.iter().any(|o| o.starts_with('+') && o != "+00:00"),
            "{label}: the users' time zones {offsets:?}"
        );
    }
    let mut other = Pages::new();
    for user in 0..users {
        let (status, body) = fetch(emulator, "/v2/usercollection/personal_info", &emulator.token(user)).await;
        other.add(status, &body);
    }
    for path in [
        "/v2/sandbox/usercollection/daily_sleep?start_date=2025-06-01&end_date=2025-06-30",
        "/v2/sandbox/usercollection/heartrate?start_datetime=2025-06-28T00:00:00Z&end_datetime=2025-06-30T00:00:00Z",
    ] {
        let (status, body) = fetch(emulator, path, "").await;
        other.add(status, &body);
    }
    digests.push((format!("{label} personal_info and sandbox"), other.digest()));
}

#[tokio::test]
async fn answers_are_byte_identical_to_the_pinned_digests() {
    let mut digests = Vec::new();
    // One user, a year, realistic page sizes (the export benchmark's shape).
    let year = start(
        EmulatorConfig::new()
            .seed(3)
            .users(1)
            .history_days(400)
            .today(TODAY)
            .page_size(2500)
            .time_series_page_size(10_000),
    )
    .await;
    let since = NaiveDate::from_ymd_opt(2024, 7, 1).expect("date");
    record(&year, "year", 1, since, &mut digests).await;
    // Twelve users (time zones east and west of UTC), a month, small pages (many tokens).
    let users = start(
        EmulatorConfig::new()
            .seed(11)
            .users(12)
            .history_days(40)
            .today(TODAY)
            .page_size(7)
            .time_series_page_size(300),
    )
    .await;
    let since = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
    record(&users, "users", 12, since, &mut digests).await;

    if std::env::var_os("OURA_GOLDEN_PRINT").is_some() {
        for (kind, digest) in &digests {
            println!("    ({kind:?}, {digest:?}),");
        }
    }
    let expected: Vec<(String, String)> = EXPECTED
        .iter()
        .map(|(k, d)| ((*k).to_owned(), (*d).to_owned()))
        .collect();
    let changed: Vec<&str> = digests
        .iter()
        .zip(&expected)
        .filter(|(got, want)| got != want)
        .map(|(got, _)| got.0.as_str())
        .collect();
    assert!(changed.is_empty(), "answers changed: {changed:?}");
    assert_eq!(
        digests.iter().map(|d| &d.0).collect::<Vec<_>>(),
        expected.iter().map(|d| &d.0).collect::<Vec<_>>(),
        "the request kinds changed"
    );
}
