#pragma once
// A small self-contained HTML report: headings, text, tables and figures (PNG files linked by
// path relative to the report), so that every command's results can be opened in a browser.
#include <string>
#include <vector>

namespace genreg {

class HtmlReport {
 public:
  explicit HtmlReport(std::string title);
  HtmlReport& heading(const std::string& text, int level = 2);
  HtmlReport& paragraph(const std::string& text);
  // `src` is relative to the report's folder.
  HtmlReport& figure(const std::string& src, const std::string& caption);
  HtmlReport& table(const std::vector<std::string>& header,
                    const std::vector<std::vector<std::string>>& rows);
  HtmlReport& link(const std::string& href, const std::string& text);
  std::string str() const;
  // Written atomically.
  void write(const std::string& path) const;

 private:
  std::string title_;
  std::string body_;
};

// Escapes &, <, >, " for HTML text and attributes.
std::string html_escape(const std::string& text);

}  // namespace genreg
