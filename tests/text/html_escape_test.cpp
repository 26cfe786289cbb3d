#include "text/html_escape.h"

#include <gtest/gtest.h>

namespace tinynas::text {
namespace {

TEST(HtmlEscape, EscapesTheFiveMarkupCharacters) {
  EXPECT_EQ(html_escape("<a href=\"x\" title='y'>&</a>"),
            "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
}

TEST(HtmlEscape, LeavesOtherTextAlone) {
  EXPECT_EQ(html_escape(""), "");
  EXPECT_EQ(html_escape("qemu-mps2-an386 (cortex-m4) 25 MHz: 91.5%"),
            "qemu-mps2-an386 (cortex-m4) 25 MHz: 91.5%");
  EXPECT_EQ(html_escape("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 bytes pass through
}

TEST(HtmlEscape, EscapesAnAmpersandOnlyOnce) {
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");  // text, not markup: escaped as written
}

}  // namespace
}  // namespace tinynas::text
