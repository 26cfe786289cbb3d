#include "config/field_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tinynas::config {
namespace {

using nlohmann::json;

// The collected errors, one message per line.
std::string messages(const FieldErrors& errors) {
  std::string all;
  for (const FieldError& error : errors.list()) all += error.message() + "\n";
  return all;
}

TEST(FieldReader, ReadsEveryTypeOfField) {
  const json document = json::parse(R"({
    "count": 3, "ratio": 0.25, "name": "tiny", "mode": "joint", "flag": true,
    "child": {"depth": 2}, "list": [1, 2, 3], "words": ["a", "b"]})");
  FieldErrors errors;
  const ObjectReader root(document, "", errors);
  root.reject_unknown_keys({"count", "ratio", "name", "mode", "flag", "child", "list", "words"});
  EXPECT_EQ(root.integer("count", 1, 10), 3);
  EXPECT_EQ(root.integer("count"), 3);
  EXPECT_EQ(root.number("ratio", 0.0, 1.0), 0.25);
  EXPECT_EQ(root.number("count"), 3.0);  // an integer is a number
  EXPECT_EQ(root.string("name"), "tiny");
  EXPECT_EQ(root.one_of("mode", {"plain", "joint"}), "joint");
  EXPECT_EQ(root.boolean("flag"), true);
  const auto child = root.object("child");
  ASSERT_TRUE(child.has_value());
  EXPECT_EQ(child->path(), "child");
  EXPECT_EQ(child->integer("depth", 1, 4), 2);
  const auto list = root.array("list", "an array of integers");
  ASSERT_TRUE(list.has_value());
  EXPECT_EQ(list->integers(1, 9), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_TRUE(list->check_ascending(*list->integers(1, 9)));
  const auto words = root.array("words", "an array of strings");
  ASSERT_TRUE(words.has_value());
  EXPECT_EQ(words->strings(), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(errors.empty()) << messages(errors);
  EXPECT_NO_THROW(errors.throw_if_any("doc.json"));
}

TEST(FieldReader, OptionalFieldsAbsentOrNullAreNotGiven) {
  const json document = json::parse(R"({"given": null})");
  FieldErrors errors;
  const ObjectReader root(document, "", errors);
  EXPECT_FALSE(root.integer("given", 0, 5, kOptional).has_value());
  EXPECT_FALSE(root.number("absent", kOptional).has_value());
  EXPECT_FALSE(root.string("absent", kOptional).has_value());
  EXPECT_FALSE(root.one_of("absent", {"a"}, kOptional).has_value());
  EXPECT_FALSE(root.boolean("given", kOptional).has_value());
  EXPECT_FALSE(root.object("given", kOptional).has_value());
  EXPECT_FALSE(root.array("absent", "an array", kOptional).has_value());
  EXPECT_FALSE(root.has("given"));
  EXPECT_EQ(root.get("given"), nullptr);
  EXPECT_TRUE(errors.empty()) << messages(errors);
}

TEST(FieldReader, RequiredFieldsMissingOrNullAreErrors) {
  const json document = json::parse(R"({"nothing": null})");
  FieldErrors errors;
  const ObjectReader root(document, "", errors);
  EXPECT_FALSE(root.integer("count", 1, 10).has_value());
  EXPECT_FALSE(root.string("nothing").has_value());
  EXPECT_FALSE(root.object("child").has_value());
  EXPECT_EQ(messages(errors),
            "count: expected an integer in [1, 10], found missing\n"
            "nothing: expected a string, found null\n"
            "child: expected an object, found missing\n");
}

TEST(FieldReader, WrongTypesAndRangesNameThePathExpectedAndFound) {
  const json document = json::parse(R"({
    "count": "3", "big": 11, "ratio": 1.5, "name": 7, "mode": "patch", "flag": "yes",
    "child": {"depth": 2.5}, "list": {"a": 1}, "short": [], "ints": [1, "2", 30],
    "steps": [1, 3, 3, 2]})");
  FieldErrors errors;
  const ObjectReader root(document, "", errors);
  root.integer("count", 1, 10);
  root.integer("big", 1, 10);
  root.number("ratio", 0.0, 1.0);
  root.string("name");
  root.one_of("mode", {"plain", "joint"});
  root.boolean("flag");
  root.object("child")->integer("depth");
  root.array("list", "an array of integers");
  root.array("short", "a non-empty array", kRequired, 1);
  root.array("ints", "an array of integers")->integers(1, 9);
  const auto steps = root.array("steps", "an array");
  steps->check_ascending(*steps->integers(0, 9));
  EXPECT_EQ(messages(errors),
            "count: expected an integer in [1, 10], found \"3\"\n"
            "big: expected an integer in [1, 10], found 11\n"
            "ratio: expected a number in [0, 1], found 1.5\n"
            "name: expected a string, found 7\n"
            "mode: expected one of \"plain\", \"joint\", found \"patch\"\n"
            "flag: expected true or false, found \"yes\"\n"
            "child.depth: expected an integer, found 2.5\n"
            "list: expected an array of integers, found {\"a\":1}\n"
            "short: expected a non-empty array, found []\n"
            "ints[1]: expected an integer in [1, 9], found \"2\"\n"
            "ints[2]: expected an integer in [1, 9], found 30\n"
            "steps[2]: expected a value above the previous one (3), found 3\n"
            "steps[3]: expected a value above the previous one (3), found 2\n");
}

TEST(FieldReader, IntegersBeyondSixtyFourBitsAreOutOfRange) {
  const json document =
      json::parse(R"({"huge": 18446744073709551615, "low": -9223372036854775808})");
  FieldErrors errors;
  const ObjectReader root(document, "", errors);
  EXPECT_FALSE(root.integer("huge").has_value());
  EXPECT_EQ(root.integer("low"), INT64_MIN);
  EXPECT_EQ(messages(errors), "huge: expected an integer, found 18446744073709551615\n");
}

TEST(FieldReader, UnknownKeysAreNamedOneByOne) {
  const json document = json::parse(R"({"name": "x", "kernal_size": 3, "strid": 2})");
  FieldErrors errors;
  ObjectReader(document, "blocks[0]", errors)
      .reject_unknown_keys({"name", "kernel_size", "stride"});
  EXPECT_EQ(messages(errors),
            "blocks[0].kernal_size: expected a known key (name, kernel_size, stride), found "
            "unknown key \"kernal_size\"\n"
            "blocks[0].strid: expected a known key (name, kernel_size, stride), found unknown "
            "key \"strid\"\n");
}

TEST(FieldReader, KeysWithControlCharactersAreQuotedSoAnErrorStaysOnOneLine) {
  const json document = json::parse(R"({"na\nme": 1, "": 2})");
  FieldErrors errors;
  ObjectReader(document, "root", errors).reject_unknown_keys({"name"});
  EXPECT_EQ(messages(errors),
            "root.\"\": expected a known key (name), found unknown key \"\"\n"
            "root.\"na\\nme\": expected a known key (name), found unknown key \"na\\nme\"\n");
}

TEST(FieldReader, ANonObjectIsOneErrorAndReadsNothing) {
  FieldErrors errors;
  const ObjectReader root(json::array({1, 2}), "", errors);
  EXPECT_FALSE(root.valid());
  EXPECT_FALSE(root.integer("count").has_value());
  root.reject_unknown_keys({});
  const ObjectReader item(json(5), "stages[2]", errors);
  EXPECT_FALSE(item.string("name").has_value());
  EXPECT_EQ(messages(errors),
            "(document): expected an object, found [1,2]\n"
            "stages[2]: expected an object, found 5\n");
}

TEST(FieldReader, LongValuesAreCutInMessages) {
  const std::string long_text(200, 'x');
  EXPECT_EQ(describe(json(long_text)), "\"" + std::string(59, 'x') + "...");
  EXPECT_EQ(describe(json("tab\there")), "\"tab\\there\"");
}

TEST(FieldReader, CustomChecksAddErrorsAtTheirPath) {
  const json document = json::parse(R"({"kernel_size": 4, "list": [3, 4]})");
  FieldErrors errors;
  const ObjectReader root(document, "blocks[1]", errors);
  root.add_error("kernel_size", "3, 5 or 7", *root.get("kernel_size"));
  root.array("list", "an array")->add_error(1, "an odd integer", 4);
  EXPECT_EQ(messages(errors),
            "blocks[1].kernel_size: expected 3, 5 or 7, found 4\n"
            "blocks[1].list[1]: expected an odd integer, found 4\n");
}

TEST(ConfigErrorReport, ListsEveryErrorUnderItsOrigin) {
  FieldErrors errors;
  errors.add("evolution.population", "an integer in [2, 100000]", json(0));
  errors.add("farm", "a farm URL http://HOST:PORT", "\"ftp://x\"");
  try {
    errors.throw_if_any("bad.json");
    FAIL() << "no error";
  } catch (const ConfigError& error) {
    EXPECT_STREQ(error.what(),
                 "bad.json: 2 errors\n"
                 "  evolution.population: expected an integer in [2, 100000], found 0\n"
                 "  farm: expected a farm URL http://HOST:PORT, found \"ftp://x\"");
    ASSERT_EQ(error.errors().size(), 2u);
    EXPECT_EQ(error.errors()[1].path, "farm");
  }
  EXPECT_STREQ(ConfigError("one.json", {{"a", "b", "c"}}).what(),
               "one.json: 1 error\n  a: expected b, found c");
}

TEST(ConfigErrorReport, ANestedReportIsIndentedUnderItsField) {
  const ConfigError nested("space.json", {{"stages[1].stride", "1 or 2", "3"}});
  const ConfigError outer("job.json", {{"space", "a readable space file", nested.what()}});
  EXPECT_STREQ(outer.what(),
               "job.json: 1 error\n"
               "  space: expected a readable space file, found space.json: 1 error\n"
               "    stages[1].stride: expected 1 or 2, found 3");
}

class DomainError : public ConfigError {
 public:
  using ConfigError::ConfigError;
  explicit DomainError(const ConfigError& error) : ConfigError(error) {}
};

TEST(ConfigErrorReport, RethrowAsKeepsTheMessageAndTheErrors) {
  try {
    rethrow_as<DomainError>([]() -> int { throw ConfigError("f.json", {{"a", "b", "c"}}); });
    FAIL() << "no error";
  } catch (const DomainError& error) {
    EXPECT_STREQ(error.what(), "f.json: 1 error\n  a: expected b, found c");
    EXPECT_EQ(error.errors().size(), 1u);
  }
  EXPECT_EQ(rethrow_as<DomainError>([] { return 7; }), 7);
  EXPECT_THROW(rethrow_as<DomainError>([]() -> int { throw std::runtime_error("other"); }),
               std::runtime_error);
}

TEST(FieldErrors, ThrowsTheCallersType) {
  FieldErrors errors;
  errors.add("x", "y", "z");
  EXPECT_THROW(errors.throw_if_any<DomainError>("o"), DomainError);
}

}  // namespace
}  // namespace tinynas::config
