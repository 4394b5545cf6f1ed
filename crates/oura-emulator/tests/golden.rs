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
        "2a2879d71a4a9bea8d96e337e705fcaf11ee89e1a4e165b2c72b386fd061edc3",
    ),
    (
        "year heartrate fields",
        "3167395708df40b543d933aff7eb2be2c2adcafc87582ea879b98b6e9f997e80",
    ),
    (
        "year heartrate latest",
        "244b26660721637a492f3c71c56619e39fc702e5ec1befcd7c7c997eaaf52c41",
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
        "4bdf2585ee38f341733c921c64d8a96d12c995fbcba20319e6c0a3cb2f63b11c",
    ),
    (
        "year ring_battery_level fields",
        "49262d7a6150b3309ff9bfb4a1cc3f94daf529afe1d5ed58f24f7b327bb56a36",
    ),
    (
        "year ring_battery_level latest",
        "d92eb116d7ef15bfe5a9f36c06dbdba832f8d89b65a69a192a8ac79023092d06",
    ),
    (
        "year ring_configuration pages",
        "14209297cfd2f69512063819cc8ebb366ccccbdcd52025d1ad3bc5ad131c4d8b",
    ),
    (
        "year ring_configuration fields",
        "2ce6be685d9688bb622c1aa2aebc98a66364155d4daf439f5ffe0d461cbe27a2",
    ),
    (
        "year ring_configuration single",
        "4a5358019c1a91c7a6516bd932b123b2b27b18ccbf8ef055ef4063217755e2a7",
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
        "9fabdc4b1afcdcf6ba140fed6b028d038f680a9f2d2855544bebd770aa27c324",
    ),
    (
        "users daily_activity pages",
        "22aae7051457e6f65be1d6731b2d4f92b0629ee915c4cf039a931fb4404109ef",
    ),
    (
        "users daily_activity fields",
        "b907378c12b132ecfcd32f2970f4957cda307d27a37df564b0a5fdd319b28d94",
    ),
    (
        "users daily_activity single",
        "7329cd64fb6f2c47f0b40cf5f8941881cad0f2dc23cf7af31c6bf814f53c93e0",
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
        "88955a83ff2cbb6c898902efdbcc132a0b149468d71703aa156f3a9934f5f4f2",
    ),
    (
        "users daily_readiness fields",
        "d30c0857fa0c201e152d54ff3b1e61c61c7cc73f0a82ac3366a575f6a9ae9ec8",
    ),
    (
        "users daily_readiness single",
        "526bd7219c67c78ef1fe3915820daeca8d58c95cdd59635608f3932105e39b38",
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
        "01de4eac50da87a88bb8288b10ee86cf8840ac001468baa986f8d5fe20b25664",
    ),
    (
        "users daily_sleep fields",
        "9f71989fba827a8943b86dae7edfeda6113014ed17ba80c8d388cb9639fffda9",
    ),
    (
        "users daily_sleep single",
        "1d2c95cd83c395c3ba9c46dda71c91b07ce8068f5d68cce67ac8f036536ab3b1",
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
        "aa52a0d520d0e9bc2769c10faf0a49f7467762c69e5e1f0f57f534a359e1f5f0",
    ),
    (
        "users enhanced_tag fields",
        "d8c1b25a2a694ff434dbfd1fb994f4a0c0dc6000d5a779dc655d82f71ee76abf",
    ),
    (
        "users enhanced_tag single",
        "5ae670f9ee56ef3532c1d427f8de56930f7076cba9cc1e989e36384139a26d5e",
    ),
    (
        "users heartrate pages",
        "a88b48c14ec7e08e89fe42b7b140e92b0f091cd42c3099d2d640d9798e5219d7",
    ),
    (
        "users heartrate fields",
        "f002488434683ce2385c0a1fb22653deb60eb153c76996ad19d59fe30266c5f0",
    ),
    (
        "users heartrate latest",
        "c503848af5d2489164a722840b6f770281654da08c53c49c394ef90419f02a7e",
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
        "5d4c3862b33300e54a3568991ae22cb69d436586bf3e7e0322056b75609e1f63",
    ),
    (
        "users ring_battery_level fields",
        "7f840395dc88d33d72fd9d4a5447b15ef8c35344299de0fd56b35edf99f4e68b",
    ),
    (
        "users ring_battery_level latest",
        "70e8e04c3ffa55ab7b51cf2c9b63323417f15ea4fb49521d33e4a74cf6e7020e",
    ),
    (
        "users ring_configuration pages",
        "81e3d4ee1b197a96e6cf95e7badf6f8362f2bedba54692cd731e3944615f6d7c",
    ),
    (
        "users ring_configuration fields",
        "007f778bb78a55af470abfc66ac25a28a308cadca512c3dc802c5dccfb65a6ba",
    ),
    (
        "users ring_configuration single",
        "802298dd166bc8f4da51ee2c69e75ff1522d227d488763a23afee668ae34f43d",
    ),
    (
        "users session pages",
        "1eadd5cefdce53dc5c73b2c8d7849c976aeef8251e41ed481a6ee91ed17e940b",
    ),
    (
        "users session fields",
        "c9b9c24c37fadb18f191777335c80c5347cc4c77a9faada6c7301c4891f8875c",
    ),
    (
        "users session single",
        "a666fc2835c33eae5ee0ed6e7fd9cd5f3887935def46ae7ee7a50f059b9348f5",
    ),
    (
        "users sleep pages",
        "068dda7a08731740011c6b0d1644925151991676ec2c8812541dfadae0c2e450",
    ),
    (
        "users sleep fields",
        "467ac7b25bc8656990bd7b6539dfcb5da44090466abbee232284310bd3d0b526",
    ),
    (
        "users sleep single",
        "70e406a1910ced9b871755180c6f03fbd4088873d84f55d764ac24653c85ed28",
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
        "dcadd416e0d1000762f75af8e699a4cf7ba2aed478cd2abe87ff0bd2e33eea67",
    ),
    (
        "users tag fields",
        "dcadd416e0d1000762f75af8e699a4cf7ba2aed478cd2abe87ff0bd2e33eea67",
    ),
    (
        "users tag single",
        "8869269c03b18ba7bd75992a6ddd111942698d515db4bea1fbfbc442581575ae",
    ),
    (
        "users vO2_max pages",
        "0b5d1ae7e6f235d1f2687aefd0711fe7b839443390ca47e5aad77a27694548fe",
    ),
    (
        "users vO2_max fields",
        "0b5d1ae7e6f235d1f2687aefd0711fe7b839443390ca47e5aad77a27694548fe",
    ),
    (
        "users vO2_max single",
        "ea2d855a185550230218c75f3a77105714391b580a8be2d7feba0fd8cef721d4",
    ),
    (
        "users workout pages",
        "a195ba2b60513b579daac72b3211eba7b7f8d698300ce8ee63e9070809bde669",
    ),
    (
        "users workout fields",
        "e8f7d38846c0911f4c5e1683c4b0f80bd0558458233a353089cbc4eb18eed9b1",
    ),
    (
        "users workout single",
        "7f996c4ef300d0a2e9e72d46da1eb1c2ff53aa7e06c30cdffeb2e2b14b052699",
    ),
    (
        "users personal_info and sandbox",
        "8ad9184c03bcf9484df32febe17c5cdcb0cd87d29773a07794c4ec2e6408253c",
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
