#include "app/config_loader.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>

namespace tandem::app {
namespace {

class ConfigLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("tandem-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path write_file(const std::string& text) {
    const auto path = dir_ / "tandem.toml";
    std::ofstream(path) << text;
    return path;
  }

  ConfigSources sources_with_env(std::map<std::string, std::string> env) {
    ConfigSources sources;
    sources.environment =
        [env = std::move(env)](const std::string& name) -> std::optional<std::string> {
      auto found = env.find(name);
      if (found == env.end()) return std::nullopt;
      return found->second;
    };
    return sources;
  }

  std::string error_of(const ConfigSources& sources) {
    try {
      load_serve_config(sources);
    } catch (const ConfigError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a ConfigError";
    return "";
  }

  std::filesystem::path dir_;
};

TEST_F(ConfigLoaderTest, DefaultsWithoutAnySource) {
  const ServeConfig config = load_serve_config(ConfigSources{});
  EXPECT_EQ(config.listen.address().to_string(), "127.0.0.1");
  EXPECT_EQ(config.listen.port(), 8080);
  EXPECT_EQ(config.data_dir, "tandem-data");
  EXPECT_EQ(config.log_format, LogFormat::text);
  EXPECT_EQ(config.http.max_body_bytes, 1024u * 1024u);
}

TEST_F(ConfigLoaderTest, PrecedenceIsFlagThenEnvironmentThenFileThenDefault) {
  auto sources = sources_with_env({{"TANDEM_LISTEN", "127.0.0.1:2002"},
                                   {"TANDEM_DATA", "from-env"},
                                   {"TANDEM_IDLE_TIMEOUT", "7s"}});
  sources.file = write_file(
      "listen = \"127.0.0.1:1001\"\ndata = \"from-file\"\nmax-body-bytes = \"64KiB\"\n"
      "idle-timeout = \"3s\"\n");
  sources.flags = {{"listen", "127.0.0.1:3003"}};

  const ServeConfig config = load_serve_config(sources);
  EXPECT_EQ(config.listen.port(), 3003);                  // flag beats env and file
  EXPECT_EQ(config.data_dir, "from-env");                 // env beats file
  EXPECT_EQ(config.http.idle_timeout.count(), 7000);      // env beats file
  EXPECT_EQ(config.http.max_body_bytes, 64u * 1024u);     // file beats default
  EXPECT_EQ(config.http.header_timeout.count(), 10'000);  // default
}

TEST_F(ConfigLoaderTest, FileAcceptsIntegersForSizes) {
  ConfigSources sources;
  sources.file = write_file("max-header-bytes = 8192\nthreads = 3\n");
  const ServeConfig config = load_serve_config(sources);
  EXPECT_EQ(config.http.max_header_bytes, 8192u);
  EXPECT_EQ(config.threads, 3u);
}

TEST_F(ConfigLoaderTest, UnknownFileKeyIsNamed) {
  ConfigSources sources;
  sources.file = write_file("listne = \"127.0.0.1:1\"\n");
  const std::string message = error_of(sources);
  EXPECT_NE(message.find("'listne'"), std::string::npos) << message;
  EXPECT_NE(message.find("unknown setting"), std::string::npos) << message;
}

TEST_F(ConfigLoaderTest, BadFileValueNamesKeyAndProblem) {
  ConfigSources sources;
  sources.file = write_file("idle-timeout = \"soon\"\n");
  const std::string message = error_of(sources);
  EXPECT_NE(message.find("'idle-timeout'"), std::string::npos) << message;
  EXPECT_NE(message.find("expected a duration"), std::string::npos) << message;
}

TEST_F(ConfigLoaderTest, NegativeAndWrongTypedValuesAreRejected) {
  ConfigSources sources;
  sources.file = write_file("threads = -2\n");
  EXPECT_NE(error_of(sources).find("negative"), std::string::npos);
  sources.file = write_file("threads = 1.5\n");
  EXPECT_NE(error_of(sources).find("expected a string or an integer"), std::string::npos);
}

TEST_F(ConfigLoaderTest, TomlSyntaxErrorGivesLine) {
  ConfigSources sources;
  sources.file = write_file("listen = \"127.0.0.1:1\"\nthis is not toml\n");
  const std::string message = error_of(sources);
  EXPECT_NE(message.find("tandem.toml:2:"), std::string::npos) << message;
}

TEST_F(ConfigLoaderTest, MissingFileIsAnError) {
  ConfigSources sources;
  sources.file = dir_ / "absent.toml";
  EXPECT_NE(error_of(sources).find("absent.toml"), std::string::npos);
}

TEST_F(ConfigLoaderTest, BadEnvironmentValueNamesTheVariable) {
  auto sources = sources_with_env({{"TANDEM_LOG_FORMAT", "xml"}});
  const std::string message = error_of(sources);
  EXPECT_NE(message.find("TANDEM_LOG_FORMAT"), std::string::npos) << message;
  EXPECT_NE(message.find("text json"), std::string::npos) << message;
}

TEST_F(ConfigLoaderTest, BadFlagNamesTheFlag) {
  ConfigSources sources;
  sources.flags = {{"max-body-bytes", "lots"}};
  EXPECT_NE(error_of(sources).find("--max-body-bytes"), std::string::npos);
}

TEST_F(ConfigLoaderTest, PrintedConfigLoadsBackToTheSameValues) {
  ConfigSources sources;
  sources.flags = {{"listen", "[::1]:9"}, {"shutdown-timeout", "1500ms"}, {"threads", "2"}};
  const ServeConfig config = load_serve_config(sources);
  ConfigSources reloaded;
  reloaded.file = write_file(format_as_toml(config));
  EXPECT_EQ(format_as_toml(load_serve_config(reloaded)), format_as_toml(config));
}

TEST_F(ConfigLoaderTest, BusFromEachSourceWithItsPrefix) {
  EXPECT_EQ(load_serve_config(ConfigSources{}).bus, "");
  EXPECT_EQ(load_serve_config(ConfigSources{}).bus_prefix, "tandem:");
  ConfigSources sources = sources_with_env({{"TANDEM_BUS", "redis://cache:6379"}});
  sources.file = write_file("bus = \"redis://file:1\"\nbus-prefix = \"staging:\"\n");
  ServeConfig config = load_serve_config(sources);
  EXPECT_EQ(config.bus, "redis://cache:6379");
  EXPECT_EQ(config.bus_prefix, "staging:");
  sources.flags = {{"bus", "redis://:pw@flag:2/0"}, {"bus-prefix", "prod:"}};
  config = load_serve_config(sources);
  EXPECT_EQ(config.bus, "redis://:pw@flag:2/0");
  EXPECT_EQ(config.bus_prefix, "prod:");
}

TEST_F(ConfigLoaderTest, BadBusUrlOrPrefixIsRefused) {
  ConfigSources sources;
  sources.flags = {{"bus", "http://cache:6379"}};
  EXPECT_NE(error_of(sources).find("flag --bus: expected a redis://HOST:PORT URL"),
            std::string::npos);
  sources.flags = {{"bus", "redis://cache:70000"}};
  EXPECT_NE(error_of(sources).find("1 to 65535"), std::string::npos);
  sources.flags = {{"bus-prefix", "has space:"}};
  EXPECT_NE(error_of(sources).find("flag --bus-prefix: expected at most 64 printable"),
            std::string::npos);
}

TEST_F(ConfigLoaderTest, PrintedConfigHidesTheBusPassword) {
  ConfigSources sources;
  sources.flags = {{"bus", "redis://:hunter2@cache:6379"}};
  const std::string printed = format_as_toml(load_serve_config(sources));
  EXPECT_NE(printed.find("bus = \"redis://cache:6379\""), std::string::npos) << printed;
  EXPECT_EQ(printed.find("hunter2"), std::string::npos) << printed;
}

TEST(EnvironmentName, UppercasesAndReplacesDashes) {
  EXPECT_EQ(environment_name("max-body-bytes"), "TANDEM_MAX_BODY_BYTES");
  EXPECT_EQ(environment_name("listen"), "TANDEM_LISTEN");
}

}  // namespace
}  // namespace tandem::app
