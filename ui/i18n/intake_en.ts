<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="vi_VN">
<context>
    <name>BarChart</name>
    <message>
        <location filename="../chart.py" line="161"/>
        <source>Đã thu nhận</source>
        <translation>Captured</translation>
    </message>
    <message>
        <location filename="../chart.py" line="161"/>
        <source>Chỉ tiêu</source>
        <translation>Quota</translation>
    </message>
    <message>
        <location filename="../chart.py" line="166"/>
        <source>Biểu đồ số hồ sơ so với chỉ tiêu</source>
        <translation>Chart of dossiers against the quota</translation>
    </message>
</context>
<context>
    <name>BioPage</name>
    <message>
        <source>&amp;Chụp  [Space]</source>
        <translation>&amp;Capture  [Space]</translation>
    </message>
    <message>
        <source>Chưa chụp</source>
        <translation>Not captured</translation>
    </message>
    <message>
        <source>Ngoại lệ</source>
        <translation>Exception</translation>
    </message>
    <message>
        <source>Đạt ({0})</source>
        <translation>Good ({0})</translation>
    </message>
    <message>
        <source>Giữ dù chưa đạt ({0})</source>
        <translation>Kept below the mark ({0})</translation>
    </message>
    <message>
        <source>Cảnh báo: không khớp</source>
        <translation>Alarm: does not match</translation>
    </message>
    <message>
        <source>Chưa đạt ({0})</source>
        <translation>Not good enough ({0})</translation>
    </message>
    <message>
        <source>Đang chụp: {0}…</source>
        <translation>Capturing: {0}…</translation>
    </message>
    <message>
        <source>Tiếp theo: {0}. Nhấn Space để chụp.</source>
        <translation>Next: {0}. Press Space to capture.</translation>
    </message>
    <message>
        <source>Đã xong phần này: chuyển sang bước tiếp.</source>
        <translation>This part is done: go on to the next step.</translation>
    </message>
</context>
<context>
    <name>ConfirmPage</name>
    <message>
        <location filename="../confirm_page.py" line="77"/>
        <source>Công dân kiểm tra thông tin và xác nhận</source>
        <translation>The citizen checks the information and confirms</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="122"/>
        <source>&amp;Mở giấy hẹn</source>
        <translation>&amp;Open appointment slip</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="123"/>
        <source>&amp;In lại</source>
        <translation>&amp;Reprint</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="124"/>
        <source>&amp;Lưu bản PDF…</source>
        <translation>&amp;Save as PDF…</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="125"/>
        <source>&amp;Xong</source>
        <translation>&amp;Done</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="183"/>
        <source>Chưa có ảnh</source>
        <translation>No photo yet</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="184"/>
        <source>Chưa có chữ ký</source>
        <translation>No signature yet</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="188"/>
        <source>Giấy tờ kèm theo: {n} trang</source>
        <translation>Attached documents: {n} pages</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="200"/>
        <source>Hồ sơ đang ở trạng thái: {state}.</source>
        <translation>The dossier is in state: {state}.</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="212"/>
        <source>Thông tin công dân còn {n} lỗi.</source>
        <translation>The citizen information still has {n} errors.</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="225"/>
        <source>Đi tới bước này</source>
        <translation>Go to this step</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="264"/>
        <source>Vân tay: {n}/10 ngón</source>
        <translation>Fingerprints: {n}/10 fingers</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="266"/>
        <source>, chất lượng thấp nhất {low}</source>
        <translation>, lowest quality {low}</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="268"/>
        <source>, {n} ngoại lệ</source>
        <translation>, {n} exceptions</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="280"/>
        <source>Đang xác nhận…</source>
        <translation>Confirming…</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="307"/>
        <source>Không ghi được giấy hẹn: {error}</source>
        <translation>Cannot write the appointment slip: {error}</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="315"/>
        <source>Đã xác nhận. Giấy hẹn đã gửi tới máy in {printer}.</source>
        <translation>Confirmed. The appointment slip was sent to the printer {printer}.</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="319"/>
        <source>Đã xác nhận. Máy này không có máy in: giấy hẹn đã lưu thành PDF.</source>
        <translation>Confirmed. This computer has no printer: the appointment slip was saved as a PDF.</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="356"/>
        <source>Lưu giấy hẹn</source>
        <translation>Save appointment slip</translation>
    </message>
    <message>
        <location filename="../confirm_page.py" line="358"/>
        <source>Tệp PDF (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <source>Không ghi được phiếu thu nhận: {error}</source>
        <translation>Could not write the intake record: {error}</translation>
    </message>
    <message>
        <source>Công dân xác nhận — in &amp;giấy hẹn</source>
        <translation>Citizen &amp;confirms — print appointment slip</translation>
    </message>
    <message>
        <source>Hồ sơ chưa được xác nhận</source>
        <translation>Dossier not confirmed</translation>
    </message>
    <message>
        <source>Công dân chưa xác nhận hồ sơ này. Hồ sơ vẫn được lưu và mở lại được từ hàng đợi.

Rời hồ sơ bây giờ?</source>
        <translation>The citizen has not confirmed this dossier. It stays saved and can be reopened from the queue.

Leave the dossier now?</translation>
    </message>
    <message>
        <source>Thông tin đúng — mời công dân &amp;ký</source>
        <translation>The data is right — citizen si&amp;gns</translation>
    </message>
</context>
<context>
    <name>DocumentsPage</name>
    <message>
        <location filename="../documents_page.py" line="80"/>
        <source>Giấy tờ kèm theo</source>
        <translation>Attached documents</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="89"/>
        <source>&amp;Loại giấy tờ</source>
        <translation>Document &amp;type</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="92"/>
        <source>Ảnh (JPEG, PNG…) hoặc PDF, tối đa 30 MB</source>
        <translation>Images (JPEG, PNG…) or PDF, up to 30 MB</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="93"/>
        <source>&amp;Quét giấy tờ</source>
        <translation>&amp;Scan documents</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="94"/>
        <source>&amp;Xóa trang đã chọn</source>
        <translation>&amp;Remove selected page</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="115"/>
        <source>Các trang giấy tờ đã thêm</source>
        <translation>Document pages added</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="121"/>
        <source>Chưa có giấy tờ nào.</source>
        <translation>No documents yet.</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="191"/>
        <source>Chọn tệp giấy tờ</source>
        <translation>Choose document files</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="194"/>
        <source>Ảnh hoặc PDF (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.webp *.pdf);;Mọi tệp (*)</source>
        <translation>Images or PDF (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.webp *.pdf);;All files (*)</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="253"/>
        <source>Đã xóa một trang.</source>
        <translation>Page removed.</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="275"/>
        <source>Đang xử lý giấy tờ…</source>
        <translation>Processing the documents…</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="285"/>
        <source>Đã thêm {0} trang.</source>
        <translation>Added {0} pages.</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="287"/>
        <source>Đã thêm «{0}»: {1} trang.</source>
        <translation>Added “{0}”: {1} pages.</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="299"/>
        <source>«{0}»: {1}</source>
        <translation>“{0}”: {1}</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="301"/>
        <source>Máy quét giấy tờ: {0}</source>
        <translation>Document scanner: {0}</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="357"/>
        <source>Không thiếu giấy tờ bắt buộc. Có thể thêm giấy tờ khác nếu cần.</source>
        <translation>No required documents are missing. You can add other documents if needed.</translation>
    </message>
    <message>
        <location filename="../documents_page.py" line="377"/>
        <source>{0}
trang {1}/{2}</source>
        <translation>{0}
page {1}/{2}</translation>
    </message>
    <message>
        <source>Thêm từ tệ&amp;p…</source>
        <translation>Add from &amp;file…</translation>
    </message>
</context>
<context>
    <name>DossierView</name>
    <message>
        <location filename="../dossier_view.py" line="207"/>
        <source>Ảnh chân dung</source>
        <extracomment>Emitted after a dossier has been shown (its id). The supervisor clicked &quot;confirm&quot; beside an exception: kind, slot. The supervisor clicked &quot;accept background&quot; (home visit, failed background check).</extracomment>
        <translation>Portrait photo</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="220"/>
        <source>Chấp nhận &amp;phông nền…</source>
        <translation>Accept back&amp;ground…</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="229"/>
        <location filename="../dossier_view.py" line="438"/>
        <source>Chữ ký</source>
        <translation>Signature</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="236"/>
        <location filename="../dossier_view.py" line="408"/>
        <source>Ngoại lệ</source>
        <translation>Exception</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="243"/>
        <source>Vân tay</source>
        <translation>Fingerprints</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="247"/>
        <source>Giấy tờ</source>
        <translation>Documents</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="251"/>
        <source>Tờ khai</source>
        <translation>Declaration form</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="265"/>
        <source>Chưa chọn hồ sơ.</source>
        <translation>No dossier selected.</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="283"/>
        <source>Đang tải hồ sơ…</source>
        <translation>Loading the dossier…</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="309"/>
        <source>Hồ sơ {number} — {name} — {case} — {state}</source>
        <translation>Dossier {number} — {name} — {case} — {state}</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="317"/>
        <source>Cán bộ thu nhận: {operator}; tạo lúc {created}; cập nhật {updated}</source>
        <translation>Intake operator: {operator}; created {created}; updated {updated}</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="327"/>
        <source>Hồ sơ đã niêm phong: trạm không còn đọc được nội dung.</source>
        <translation>The dossier is sealed: the station can no longer read its contents.</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="346"/>
        <source>Chưa có ảnh</source>
        <translation>No photo yet</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="360"/>
        <source>Ảnh do cán bộ chụp bằng tay.</source>
        <translation>Photo taken manually by the operator.</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="368"/>
        <source>Thu nhận tại nhà: {place}</source>
        <translation>Home-visit intake: {place}</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="372"/>
        <source>Phông nền đã được {who} chấp nhận: {reason}</source>
        <translation>Background accepted by {who}: {reason}</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="401"/>
        <source>{finger}
chất lượng {quality}</source>
        <translation>{finger}
quality {quality}</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="413"/>
        <source>{finger}
chưa lấy</source>
        <translation>{finger}
not taken</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="442"/>
        <source>{where}: {kind} — {reason}</source>
        <translation>{where}: {kind} — {reason}</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="446"/>
        <source>(đã xác nhận: {who})</source>
        <translation>(confirmed by {who})</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="451"/>
        <source>Xác nhận</source>
        <translation>Confirm</translation>
    </message>
    <message>
        <location filename="../dossier_view.py" line="466"/>
        <source>Chưa có chữ ký</source>
        <translation>No signature yet</translation>
    </message>
    <message>
        <source>Cảnh báo, ngoại lệ và quyết định thay</source>
        <translation>Alarms, exceptions and overrides</translation>
    </message>
    <message>
        <source>Ảnh chân dung: {check}</source>
        <translation>Portrait: {check}</translation>
    </message>
    <message>
        <source>Ảnh do cán bộ chụp bằng tay, không qua kiểm tra tự động.</source>
        <translation>Portrait taken by hand by the officer, without the automatic checks.</translation>
    </message>
    <message>
        <source>Vân tay {finger}: chất lượng {quality}, dưới ngưỡng</source>
        <translation>Fingerprint {finger}: quality {quality}, below the threshold</translation>
    </message>
</context>
<context>
    <name>ExceptionDialog</name>
    <message>
        <location filename="../exception_dialog.py" line="44"/>
        <source>Ghi ngoại lệ</source>
        <translation>Record exception</translation>
    </message>
    <message>
        <location filename="../exception_dialog.py" line="48"/>
        <source>Không thu nhận được: {0}</source>
        <translation>Cannot be captured: {0}</translation>
    </message>
    <message>
        <location filename="../exception_dialog.py" line="56"/>
        <source>Ví dụ: ngón tay bị thương, đang băng; giám sát viên đã xem.</source>
        <translation>For example: finger injured and bandaged; seen by the supervisor.</translation>
    </message>
    <message>
        <location filename="../exception_dialog.py" line="65"/>
        <source>Ngoại lệ cần giám sát viên xác nhận trước khi phê duyệt hồ sơ.</source>
        <translation>A supervisor must confirm the exception before the dossier can be approved.</translation>
    </message>
    <message>
        <location filename="../exception_dialog.py" line="70"/>
        <source>&amp;Loại ngoại lệ</source>
        <translation>Exception &amp;type</translation>
    </message>
    <message>
        <location filename="../exception_dialog.py" line="72"/>
        <source>Lý &amp;do</source>
        <translation>&amp;Reason</translation>
    </message>
    <message>
        <location filename="../exception_dialog.py" line="82"/>
        <source>&amp;Ghi ngoại lệ</source>
        <translation>Record &amp;exception</translation>
    </message>
    <message>
        <location filename="../exception_dialog.py" line="84"/>
        <source>&amp;Hủy</source>
        <translation>&amp;Cancel</translation>
    </message>
</context>
<context>
    <name>FingerPage</name>
    <message>
        <location filename="../finger_page.py" line="96"/>
        <source>bốn ngón tay phải</source>
        <extracomment>How long ``leave`` waits for a capture in flight to be saved (it is cancelled first).</extracomment>
        <translation>right four fingers</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="97"/>
        <source>bốn ngón tay trái</source>
        <translation>left four fingers</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="98"/>
        <source>hai ngón cái</source>
        <translation>both thumbs</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="296"/>
        <source>Vân tay: bốn ngón phải, bốn ngón trái, hai ngón cái</source>
        <translation>Fingerprints: right four fingers, left four fingers, both thumbs</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="348"/>
        <source>Chụp &amp;lại cả lượt</source>
        <translation>&amp;Retake the whole slap</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="350"/>
        <source>Bỏ các ảnh của lượt này và chụp lại từ đầu (ba lần chụp mới).</source>
        <translation>Discard this slap&apos;s images and start again (three new attempts).</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="354"/>
        <source>Ngón tay không lấy được: bị cụt, đang băng bó, không có ngón…</source>
        <translation>A finger that cannot be captured: amputated, bandaged, missing…</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="482"/>
        <source>Chưa có ngày sinh: chưa biết có cần lấy vân tay không.</source>
        <translation>No date of birth yet: cannot tell whether fingerprints are needed.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="486"/>
        <source>Hồ sơ này không cần lấy vân tay: công dân chưa đến tuổi thu nhận vân tay.</source>
        <translation>This dossier needs no fingerprints: the citizen is below the fingerprinting age.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="535"/>
        <source>Lượt {0} đã chụp đủ {1} lần: chọn «Chụp lại cả lượt» hoặc ghi ngoại lệ.</source>
        <translation>All {1} attempts used for {0}: choose “Retake the whole slap” or record an exception.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="544"/>
        <source>Đang chụp {0}: giữ yên các ngón tay trên máy quét…</source>
        <translation>Capturing {0}: keep the fingers still on the scanner…</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="646"/>
        <source>Không kiểm tra được ngón trùng: {0}</source>
        <translation>Cannot check for duplicate fingers: {0}</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="657"/>
        <source>Chưa chụp được. Kiểm tra máy quét rồi nhấn Space để thử lại.</source>
        <translation>Nothing captured. Check the scanner, then press Space to try again.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="663"/>
        <source>Máy quét vân tay: {0}</source>
        <translation>Fingerprint scanner: {0}</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="702"/>
        <source>ngoại lệ</source>
        <translation>exception</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="714"/>
        <source>Tiếp theo: {0}. Đặt các ngón lên máy quét rồi nhấn Space.</source>
        <translation>Next: {0}. Place the fingers on the scanner, then press Space.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="722"/>
        <source>Chưa lấy được: {0}. Chụp lại cả lượt hoặc ghi ngoại lệ.</source>
        <translation>Not captured yet: {0}. Retake the whole slap or record an exception.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="725"/>
        <source>Đã xong vân tay mười ngón.</source>
        <translation>All ten fingerprints are done.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="737"/>
        <source>Chưa lấy vân tay.</source>
        <translation>Fingerprint not taken yet.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="739"/>
        <source>Đạt yêu cầu.</source>
        <translation>Meets the requirements.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="741"/>
        <source>Chất lượng thấp; đã hết lần chụp, giữ ảnh tốt nhất.</source>
        <translation>Low quality; no attempts left, the best image is kept.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="743"/>
        <source>Chất lượng thấp: nên chụp lại.</source>
        <translation>Low quality: a retake is advised.</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="747"/>
        <source>Ngoại lệ: {0}. Lý do: {1}</source>
        <translation>Exception: {0}. Reason: {1}</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="749"/>
        <source>(chờ giám sát viên xác nhận)</source>
        <translation>(awaiting supervisor confirmation)</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="753"/>
        <source>Lần chụp lượt {0}: {1}/{2}</source>
        <translation>Attempts for {0}: {1}/{2}</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="766"/>
        <source>Chưa có ảnh</source>
        <translation>No image yet</translation>
    </message>
    <message>
        <location filename="../finger_page.py" line="767"/>
        <source>Chụp {0}  [Space]</source>
        <translation>Capture {0}  [Space]</translation>
    </message>
</context>
<context>
    <name>FormFields</name>
    <message>
        <location filename="../form_fields.py" line="237"/>
        <source>Địa giới từ 01/7/2025</source>
        <extracomment>The era value of an address abroad (stored as ``{&quot;country&quot;: ..., &quot;text&quot;: ...}``). Countries listed first in nationality combos (most citizens).</extracomment>
        <translation>Units since 1 Jul 2025</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="238"/>
        <source>Địa giới trước 01/7/2025</source>
        <translation>Units before 1 Jul 2025</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="240"/>
        <source>Ở nước ngoài</source>
        <translation>Abroad</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="241"/>
        <source>Tỉnh/thành phố</source>
        <translation>Province/city</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="242"/>
        <source>Quận/huyện</source>
        <translation>District</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="243"/>
        <source>Xã/phường</source>
        <translation>Commune/ward</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="245"/>
        <source>Số nhà, đường, thôn/xóm</source>
        <translation>House number, street, hamlet</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="247"/>
        <source>Nước</source>
        <translation>Country</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="250"/>
        <source>Địa chỉ ở nước ngoài</source>
        <translation>Address abroad</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="430"/>
        <source>Xóa</source>
        <translation>Remove</translation>
    </message>
    <message>
        <location filename="../form_fields.py" line="431"/>
        <source>Xóa thân nhân này</source>
        <translation>Remove this relative</translation>
    </message>
</context>
<context>
    <name>FormPage</name>
    <message>
        <location filename="../form_page.py" line="174"/>
        <source>Tờ khai</source>
        <translation>Declaration form</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="178"/>
        <source>Quét mã QR thẻ cũ để điền các ô còn trống</source>
        <translation>Scan the old card&apos;s QR code to fill in the empty fields</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="263"/>
        <source>dd/mm/yyyy, mm/yyyy hoặc yyyy</source>
        <translation>dd/mm/yyyy, mm/yyyy or yyyy</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="263"/>
        <source>dd/mm/yyyy</source>
        <translation>dd/mm/yyyy</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="306"/>
        <source>Thông tin công dân</source>
        <translation>Citizen information</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="316"/>
        <source>Nơi sinh, nơi đăng ký khai sinh, quê quán</source>
        <translation>Place of birth, birth registration, hometown</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="321"/>
        <source>Dân tộc, tôn giáo, quốc tịch</source>
        <translation>Ethnicity, religion, nationality</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="330"/>
        <source>Nơi cư trú</source>
        <translation>Residence</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="337"/>
        <source>Nghề nghiệp, đặc điểm, liên lạc</source>
        <translation>Occupation, identifying marks, contact</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="461"/>
        <source>Theo loại hồ sơ</source>
        <translation>Specific to the dossier type</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="581"/>
        <source>Tờ khai — hồ sơ {number} ({case})</source>
        <translation>Declaration form — dossier {number} ({case})</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="628"/>
        <source>Chưa lưu…</source>
        <translation>Not saved yet…</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="705"/>
        <source>Chưa lưu được tờ khai (các ô đã nhập vẫn giữ nguyên): {error}</source>
        <translation>The form could not be saved (everything entered is kept): {error}</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="710"/>
        <source>Chưa lưu</source>
        <translation>Not saved</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="715"/>
        <source>Đã lưu lúc {time}</source>
        <translation>Saved at {time}</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="774"/>
        <source>{field}: giữ giá trị đã nhập «{kept}»; thẻ/danh sách ghi «{offered}».</source>
        <translation>{field}: kept the value entered, “{kept}”; the card/roster says “{offered}”.</translation>
    </message>
    <message>
        <location filename="../form_page.py" line="785"/>
        <source>{field}: chưa tự điền được, hãy nhập tay theo «{text}».</source>
        <translation>{field}: could not be filled in automatically; enter it by hand from “{text}”.</translation>
    </message>
    <message>
        <source>Thêm thân nhân (Alt+A)</source>
        <translation>Add relative (Alt+A)</translation>
    </message>
    <message>
        <source>Bảng mã hiện hành (2008)</source>
        <translation>Current code list (2008)</translation>
    </message>
    <message>
        <source>Bảng mã cũ (1979)</source>
        <translation>Old code list (1979)</translation>
    </message>
</context>
<context>
    <name>HandDiagram</name>
    <message>
        <location filename="../hand_diagram.py" line="88"/>
        <source>chưa lấy</source>
        <extracomment>The fingers from left to right as drawn. Fill, ink (for the sign on it) per status; dark enough ink on each fill for a dim screen.</extracomment>
        <translation>not taken</translation>
    </message>
    <message>
        <location filename="../hand_diagram.py" line="89"/>
        <source>đạt</source>
        <translation>good</translation>
    </message>
    <message>
        <location filename="../hand_diagram.py" line="90"/>
        <source>chất lượng thấp</source>
        <translation>low quality</translation>
    </message>
    <message>
        <location filename="../hand_diagram.py" line="91"/>
        <source>ngoại lệ</source>
        <translation>exception</translation>
    </message>
    <message>
        <location filename="../hand_diagram.py" line="187"/>
        <source>Sơ đồ hai bàn tay</source>
        <translation>Diagram of both hands</translation>
    </message>
    <message>
        <location filename="../hand_diagram.py" line="258"/>
        <source>Tay trái</source>
        <translation>Left hand</translation>
    </message>
    <message>
        <location filename="../hand_diagram.py" line="263"/>
        <source>Tay phải</source>
        <translation>Right hand</translation>
    </message>
</context>
<context>
    <name>HomeScreen</name>
    <message>
        <location filename="../home.py" line="115"/>
        <source>Khóa màn hình</source>
        <translation>Lock screen</translation>
    </message>
    <message>
        <location filename="../home.py" line="117"/>
        <source>Đăng xuất</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../home.py" line="156"/>
        <source>Đồng bộ: chưa chạy.</source>
        <translation>Sync: not run yet.</translation>
    </message>
    <message>
        <location filename="../home.py" line="158"/>
        <source>Gửi ngay</source>
        <translation>Send now</translation>
    </message>
    <message>
        <location filename="../home.py" line="114"/>
        <source>Đổi mật khẩu</source>
        <translation>Change password</translation>
    </message>
    <message>
        <location filename="../home.py" line="129"/>
        <source>Đang thu nhận</source>
        <translation>In progress</translation>
    </message>
    <message>
        <location filename="../home.py" line="130"/>
        <source>Chờ phê duyệt</source>
        <translation>Awaiting approval</translation>
    </message>
    <message>
        <location filename="../home.py" line="131"/>
        <source>Chờ gửi</source>
        <translation>Awaiting upload</translation>
    </message>
    <message>
        <location filename="../home.py" line="132"/>
        <source>Đã giao</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <location filename="../home.py" line="133"/>
        <source>Bị trả lại</source>
        <translation>Sent back</translation>
    </message>
    <message>
        <location filename="../home.py" line="169"/>
        <source>&amp;Hồ sơ mới</source>
        <translation>&amp;New dossier</translation>
    </message>
    <message>
        <location filename="../home.py" line="171"/>
        <source>&amp;Tìm người trong danh sách</source>
        <translation>&amp;Find a person on the rosters</translation>
    </message>
    <message>
        <location filename="../home.py" line="173"/>
        <source>Hàng đợi hồ &amp;sơ</source>
        <translation>Dossier &amp;queue</translation>
    </message>
    <message>
        <location filename="../home.py" line="175"/>
        <source>&amp;Phê duyệt</source>
        <translation>&amp;Approvals</translation>
    </message>
    <message>
        <location filename="../home.py" line="178"/>
        <source>Đợt thu nhận / &amp;danh sách</source>
        <translation>Intake drives / &amp;rosters</translation>
    </message>
    <message>
        <location filename="../home.py" line="180"/>
        <source>&amp;Báo cáo</source>
        <translation>Re&amp;ports</translation>
    </message>
    <message>
        <location filename="../home.py" line="182"/>
        <source>&amp;Cài đặt trạm</source>
        <translation>&amp;Station settings</translation>
    </message>
    <message>
        <location filename="../home.py" line="201"/>
        <source>Trạng thái</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../home.py" line="201"/>
        <source>Số hồ sơ</source>
        <translation>Dossiers</translation>
    </message>
    <message>
        <location filename="../home.py" line="246"/>
        <source>Xin chào, {name} ({role})</source>
        <translation>Hello, {name} ({role})</translation>
    </message>
    <message>
        <location filename="../home.py" line="250"/>
        <source>{name} — mã trạm {code}</source>
        <translation>{name} — station code {code}</translation>
    </message>
    <message>
        <location filename="../home.py" line="263"/>
        <source>Bạn phải đổi mật khẩu trước khi làm việc.</source>
        <translation>You must change your password before you go on working.</translation>
    </message>
    <message>
        <location filename="../home.py" line="276"/>
        <source>Chỉ tiêu hôm nay: {done}/{target}</source>
        <translation>Today&apos;s quota: {done}/{target}</translation>
    </message>
    <message>
        <location filename="../home.py" line="285"/>
        <source>Chưa có biên nhận nào.</source>
        <translation>No receipt yet.</translation>
    </message>
    <message>
        <location filename="../home.py" line="287"/>
        <source>Biên nhận gần nhất: {time}</source>
        <translation>Last receipt: {time}</translation>
    </message>
    <message>
        <location filename="../home.py" line="289"/>
        <source>{n} gói chờ biên nhận</source>
        <translation>{n} packets awaiting a receipt</translation>
    </message>
    <message>
        <location filename="../home.py" line="295"/>
        <source>Đồng bộ: trạm chưa có địa chỉ máy chủ nhận.</source>
        <translation>Sync: this station has no receiver address.</translation>
    </message>
    <message>
        <location filename="../home.py" line="302"/>
        <source>Đồng bộ lúc {time}: không kết nối được máy chủ nhận.</source>
        <translation>Sync at {time}: the receiver could not be reached.</translation>
    </message>
    <message>
        <location filename="../home.py" line="307"/>
        <source>Đồng bộ lúc {time}: {receipted} hồ sơ có biên nhận, {refused} bị từ chối, {failed} lỗi.</source>
        <translation>Sync at {time}: {receipted} dossiers receipted, {refused} refused, {failed} failed.</translation>
    </message>
    <message>
        <location filename="../home.py" line="338"/>
        <source>Không đọc được số liệu hồ sơ: {error}</source>
        <translation>Cannot read the dossier figures: {error}</translation>
    </message>
    <message>
        <source>{held} hồ sơ máy nhận tạm giữ.</source>
        <translation>{held} dossiers held by the receiver.</translation>
    </message>
    <message>
        <source>{count} hồ sơ trùng công dân đã có hồ sơ được nhận ở trạm khác, chờ trung tâm quyết định.</source>
        <translation>{count} dossiers are for a citizen whose dossier another station already delivered; they await the central office&apos;s decision.</translation>
    </message>
</context>
<context>
    <name>IrisPage</name>
    <message>
        <source>Mống mắt: mắt phải, rồi mắt trái</source>
        <translation>Irises: the right eye, then the left eye</translation>
    </message>
    <message>
        <source>Hồ sơ này không cần chụp mống mắt: công dân dưới 6 tuổi, hoặc trạm không có máy chụp mống mắt.</source>
        <translation>This dossier needs no iris images: the citizen is under 6, or the station has no iris camera.</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <location filename="../app.py" line="210"/>
        <source>Trạm thu nhận hồ sơ căn cước</source>
        <translation>Citizen ID dossier intake station</translation>
    </message>
    <message>
        <location filename="../app.py" line="213"/>
        <source>Đăng nhập để mở kho dữ liệu của trạm.</source>
        <translation>Log in to open the station&apos;s data store.</translation>
    </message>
    <message>
        <location filename="../app.py" line="228"/>
        <source>Mã cán bộ</source>
        <translation>Operator ID</translation>
    </message>
    <message>
        <location filename="../app.py" line="229"/>
        <source>Mật khẩu</source>
        <translation>Password</translation>
    </message>
    <message>
        <location filename="../app.py" line="233"/>
        <source>Đăng xuất</source>
        <translation>Log out</translation>
    </message>
    <message>
        <location filename="../app.py" line="277"/>
        <source>{name} — mã trạm {code}</source>
        <translation>{name} — station code {code}</translation>
    </message>
    <message>
        <location filename="../app.py" line="283"/>
        <location filename="../app.py" line="287"/>
        <source>Đăng nhập</source>
        <translation>Log in</translation>
    </message>
    <message>
        <location filename="../app.py" line="295"/>
        <source>Màn hình đã khóa</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <location filename="../app.py" line="300"/>
        <source>Mở khóa</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <location filename="../app.py" line="317"/>
        <source>Đang kiểm tra mật khẩu…</source>
        <translation>Checking the password…</translation>
    </message>
    <message>
        <location filename="../app.py" line="342"/>
        <source>Thời gian chờ còn lại: {time}</source>
        <translation>Time left to wait: {time}</translation>
    </message>
    <message>
        <location filename="../app.py" line="344"/>
        <source>Có thể thử lại.</source>
        <translation>You can try again now.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../app.py" line="409"/>
        <location filename="../selftest.py" line="106"/>
        <source>Trạm thu nhận hồ sơ căn cước</source>
        <extracomment>Letters a Vietnamese name or address may carry; every one must be in the interface font. Platform plugins a bundle must carry, per operating system.</extracomment>
        <translation>Citizen ID dossier intake station</translation>
    </message>
    <message>
        <location filename="../app.py" line="427"/>
        <source>DEMO — trạm trình diễn: chỉ dùng dữ liệu thử, không dùng cho hồ sơ thật.</source>
        <translation>DEMO — demonstration station: test data only, never real dossiers.</translation>
    </message>
    <message>
        <location filename="../app.py" line="535"/>
        <source>Không mở được</source>
        <translation>Cannot open</translation>
    </message>
    <message>
        <location filename="../app.py" line="610"/>
        <source>Lỗi ngoài dự kiến khi đăng nhập; xem nhật ký của trạm.</source>
        <translation>Unexpected error while logging in; see the station log.</translation>
    </message>
    <message>
        <location filename="../app.py" line="640"/>
        <source>Bạn phải đổi mật khẩu trước khi làm việc.</source>
        <translation>You must change your password before you go on working.</translation>
    </message>
    <message>
        <location filename="../app.py" line="755"/>
        <source>Bạn đã khóa màn hình. Nhập mật khẩu để tiếp tục.</source>
        <translation>You locked the screen. Enter your password to go on.</translation>
    </message>
</context>
<context>
    <name>PasswordDialog</name>
    <message>
        <location filename="../password_dialog.py" line="21"/>
        <location filename="../password_dialog.py" line="40"/>
        <source>Đổi mật khẩu</source>
        <translation>Change password</translation>
    </message>
    <message>
        <location filename="../password_dialog.py" line="31"/>
        <source>Mật khẩu hiện tại</source>
        <translation>Current password</translation>
    </message>
    <message>
        <location filename="../password_dialog.py" line="32"/>
        <source>Mật khẩu mới</source>
        <translation>New password</translation>
    </message>
    <message>
        <location filename="../password_dialog.py" line="33"/>
        <source>Nhập lại mật khẩu mới</source>
        <translation>Repeat the new password</translation>
    </message>
    <message>
        <location filename="../password_dialog.py" line="41"/>
        <source>Hủy</source>
        <translation>Cancel</translation>
    </message>
    <message>
        <location filename="../password_dialog.py" line="51"/>
        <source>Mật khẩu mới: hai lần nhập không giống nhau.</source>
        <translation>New password: the two entries do not match.</translation>
    </message>
    <message>
        <location filename="../password_dialog.py" line="57"/>
        <source>Đang đổi mật khẩu…</source>
        <translation>Changing the password…</translation>
    </message>
</context>
<context>
    <name>PhotoPage</name>
    <message>
        <location filename="../photo_page.py" line="72"/>
        <source>Độ sáng</source>
        <extracomment>``ctx.options`` key: False turns the automatic capture off (benchmarks, demonstrations). How long leaving the page waits for a save already running on the background worker.</extracomment>
        <translation>Brightness</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="73"/>
        <source>Một khuôn mặt</source>
        <translation>One face</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="74"/>
        <source>Khoảng cách</source>
        <translation>Distance</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="75"/>
        <source>Vị trí giữa khung</source>
        <translation>Centered in the frame</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="76"/>
        <source>Đầu thẳng</source>
        <translation>Head straight</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="77"/>
        <source>Hai mắt</source>
        <translation>Both eyes</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="78"/>
        <source>Độ nét</source>
        <translation>Sharpness</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="79"/>
        <source>Phông nền</source>
        <translation>Background</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="144"/>
        <source>Đạt</source>
        <translation>Pass</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="147"/>
        <source>Chưa đạt</source>
        <translation>Fail</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="301"/>
        <source>Ảnh chân dung</source>
        <translation>Portrait photo</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="326"/>
        <source>Tự động chụp khi mọi tiêu chí đạt và giữ yên</source>
        <translation>Take the photo automatically when every check passes and the citizen holds still</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="353"/>
        <source>&amp;Chụp ảnh [Space]</source>
        <translation>&amp;Take photo [Space]</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="354"/>
        <source>Chụp ngay, kể cả khi còn tiêu chí chưa đạt</source>
        <translation>Take it now, even if some checks fail</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="356"/>
        <source>Chụp &amp;lại [R]</source>
        <translation>&amp;Retake [R]</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="358"/>
        <source>&amp;Thử lại</source>
        <translation>&amp;Try again</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="391"/>
        <source>&amp;Thử lại máy ảnh</source>
        <translation>&amp;Try the camera again</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="393"/>
        <source>&amp;Lưu lại ảnh</source>
        <translation>&amp;Save the photo again</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="432"/>
        <source>Theo độ tuổi của công dân, hồ sơ này không cần ảnh chân dung.</source>
        <translation>Given the citizen&apos;s age, this dossier needs no portrait photo.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="438"/>
        <source>Chưa có ngày sinh: chưa xác định được hồ sơ có cần ảnh chân dung không.</source>
        <translation>No date of birth yet: cannot tell whether the dossier needs a portrait photo.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="469"/>
        <source>Đang chụp…</source>
        <translation>Taking the photo…</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="482"/>
        <source>Ảnh đã lưu vẫn được giữ cho đến khi chụp được ảnh mới.</source>
        <translation>The saved photo is kept until a new one is taken.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="510"/>
        <source>Đang mở máy ảnh…</source>
        <translation>Opening the camera…</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="547"/>
        <source>Máy ảnh đã dừng.</source>
        <translation>The camera has stopped.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="574"/>
        <source>Máy ảnh: %1</source>
        <translation>Camera: %1</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="612"/>
        <source>Máy ảnh không dùng được.</source>
        <translation>The camera cannot be used.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="615"/>
        <source>Kiểm tra dây cáp của máy ảnh rồi bấm «Thử lại máy ảnh».</source>
        <translation>Check the camera cable, then click “Try the camera again”.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="638"/>
        <source>Đang lưu ảnh vào hồ sơ…</source>
        <translation>Saving the photo to the dossier…</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="671"/>
        <source>Đã lưu ảnh chân dung vào hồ sơ.</source>
        <translation>Portrait photo saved to the dossier.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="680"/>
        <source>Ảnh chưa được lưu; ảnh vẫn được giữ trên màn hình.</source>
        <translation>The photo was not saved; it is still kept on screen.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="691"/>
        <source>Ảnh chân dung đã lưu trong hồ sơ.</source>
        <translation>The portrait photo is saved in the dossier.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="715"/>
        <source>Ảnh được chụp bằng tay.</source>
        <translation>Photo taken manually.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="727"/>
        <source>Mọi tiêu chí đạt: giữ yên để chụp.</source>
        <translation>Every check passes: hold still for the photo.</translation>
    </message>
    <message>
        <location filename="../photo_page.py" line="740"/>
        <source>Thu nhận tại nhà: phông nền chưa đạt. Có thể bấm «Chụp ảnh»; cán bộ phê duyệt có thể chấp nhận phông nền này khi duyệt hồ sơ.</source>
        <translation>Home-visit intake: the background fails the check. You can click “Take photo”; the approving officer can accept this background when reviewing the dossier.</translation>
    </message>
    <message>
        <source>Đã lưu ảnh, nhưng trạm kiểm tra ảnh đã lưu thấy chưa đạt: chụp lại.</source>
        <translation>Saved, but the station's check of the saved picture fails: take it again.</translation>
    </message>
</context>
<context>
    <name>QualityBar</name>
    <message>
        <location filename="../hand_diagram.py" line="316"/>
        <source>Chất lượng: chưa có</source>
        <translation>Quality: none yet</translation>
    </message>
    <message>
        <location filename="../hand_diagram.py" line="318"/>
        <source>Chất lượng {0}/100, ngưỡng {1}</source>
        <translation>Quality {0}/100, threshold {1}</translation>
    </message>
</context>
<context>
    <name>QueueScreen</name>
    <message>
        <location filename="../queue.py" line="91"/>
        <source>Tất cả</source>
        <extracomment>States a dossier is continued in by the wizard.</extracomment>
        <translation>All</translation>
    </message>
    <message>
        <location filename="../queue.py" line="92"/>
        <source>Đang thu nhận (nháp)</source>
        <translation>In capture (drafts)</translation>
    </message>
    <message>
        <location filename="../queue.py" line="93"/>
        <source>Chờ phê duyệt</source>
        <translation>Awaiting approval</translation>
    </message>
    <message>
        <location filename="../queue.py" line="94"/>
        <source>Chờ gửi</source>
        <translation>Awaiting upload</translation>
    </message>
    <message>
        <location filename="../queue.py" line="95"/>
        <source>Đã giao nhận</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <location filename="../queue.py" line="96"/>
        <source>Bị trả lại</source>
        <translation>Sent back</translation>
    </message>
    <message>
        <location filename="../queue.py" line="97"/>
        <source>Bị từ chối nhận</source>
        <translation>Refused by the receiver</translation>
    </message>
    <message>
        <location filename="../queue.py" line="106"/>
        <source>chờ gửi</source>
        <translation>waiting to upload</translation>
    </message>
    <message>
        <location filename="../queue.py" line="109"/>
        <source>đang gửi {percent}%</source>
        <translation>uploading {percent}%</translation>
    </message>
    <message>
        <location filename="../queue.py" line="111"/>
        <source>đã gửi, chờ biên nhận</source>
        <translation>uploaded, awaiting receipt</translation>
    </message>
    <message>
        <location filename="../queue.py" line="113"/>
        <source>có biên nhận</source>
        <translation>receipted</translation>
    </message>
    <message>
        <location filename="../queue.py" line="115"/>
        <source>bị từ chối nhận</source>
        <translation>refused by the receiver</translation>
    </message>
    <message>
        <location filename="../queue.py" line="119"/>
        <source>({n} lần lỗi)</source>
        <translation>({n} failed attempts)</translation>
    </message>
    <message>
        <location filename="../queue.py" line="146"/>
        <source>Hàng đợi hồ sơ</source>
        <extracomment>Continue this draft in the wizard (dossier id). The dossier was reopened for recapture of the parts the receiver named (dossier id); the wizard opens it at the first of those parts.</extracomment>
        <translation>Dossier queue</translation>
    </message>
    <message>
        <location filename="../queue.py" line="150"/>
        <source>&amp;Nhóm:</source>
        <translation>&amp;Group:</translation>
    </message>
    <message>
        <location filename="../queue.py" line="155"/>
        <source>&amp;Tìm (tên hoặc số hồ sơ):</source>
        <translation>&amp;Find (name or dossier number):</translation>
    </message>
    <message>
        <location filename="../queue.py" line="158"/>
        <source>ví dụ: Nguyễn Văn An, TN-001-20261123-0007</source>
        <translation>e.g. Nguyễn Văn An, TN-001-20261123-0007</translation>
    </message>
    <message>
        <location filename="../queue.py" line="172"/>
        <source>Số hồ sơ</source>
        <translation>Dossier no.</translation>
    </message>
    <message>
        <location filename="../queue.py" line="173"/>
        <source>Họ tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <location filename="../queue.py" line="174"/>
        <source>Loại</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../queue.py" line="175"/>
        <source>Trạng thái</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../queue.py" line="176"/>
        <source>Cán bộ</source>
        <translation>Operator</translation>
    </message>
    <message>
        <location filename="../queue.py" line="177"/>
        <source>Tạo lúc</source>
        <translation>Created</translation>
    </message>
    <message>
        <location filename="../queue.py" line="178"/>
        <source>Thay đổi lúc</source>
        <translation>Changed</translation>
    </message>
    <message>
        <location filename="../queue.py" line="179"/>
        <source>Gửi đi</source>
        <translation>Upload</translation>
    </message>
    <message>
        <location filename="../queue.py" line="180"/>
        <source>Lý do trả lại / từ chối</source>
        <translation>Reason sent back / refused</translation>
    </message>
    <message>
        <location filename="../queue.py" line="197"/>
        <source>&amp;Mở / tiếp tục</source>
        <translation>&amp;Open / continue</translation>
    </message>
    <message>
        <location filename="../queue.py" line="198"/>
        <source>Thu nhận &amp;lại phần bị trả</source>
        <translation>Re&amp;capture returned parts</translation>
    </message>
    <message>
        <location filename="../queue.py" line="199"/>
        <source>&amp;Gửi ngay</source>
        <translation>&amp;Send now</translation>
    </message>
    <message>
        <location filename="../queue.py" line="282"/>
        <source>{shown} / {total} hồ sơ</source>
        <translation>{shown} / {total} dossiers</translation>
    </message>
    <message>
        <location filename="../queue.py" line="302"/>
        <source>làm lại: {parts}</source>
        <translation>redo: {parts}</translation>
    </message>
    <message>
        <location filename="../queue.py" line="374"/>
        <source>Đang gửi hồ sơ lên máy chủ nhận…</source>
        <translation>Sending the dossiers to the receiver…</translation>
    </message>
    <message>
        <location filename="../queue.py" line="396"/>
        <source>Không kết nối được máy chủ nhận. Hồ sơ vẫn an toàn trên trạm và sẽ được gửi khi có mạng.</source>
        <translation>The receiver could not be reached. The dossiers are safe on the station and will be sent when the network is back.</translation>
    </message>
    <message>
        <location filename="../queue.py" line="402"/>
        <source>Đã gửi xong: {receipted} hồ sơ có biên nhận, {refused} bị từ chối nhận, {failed} lỗi (sẽ thử lại).</source>
        <translation>Sending finished: {receipted} dossiers receipted, {refused} refused, {failed} failed (will be retried).</translation>
    </message>
    <message>
        <source>máy nhận tạm giữ, sẽ gửi lại</source>
        <translation>held by the receiver, will be sent again</translation>
    </message>
    <message>
        <source>trùng công dân, chờ trung tâm quyết định</source>
        <translation>same citizen as another dossier, awaiting the central office&apos;s decision</translation>
    </message>
    <message>
        <source>Gửi &amp;lại gói bị từ chối</source>
        <translation>&amp;Resend refused packet</translation>
    </message>
    <message>
        <source>Gói của hồ sơ {number} đã vào lại hàng đợi gửi.</source>
        <translation>The packet of dossier {number} is back in the send queue.</translation>
    </message>
    <message>
        <source>{held} hồ sơ đang được máy nhận tạm giữ (sẽ gửi lại).</source>
        <translation>{held} dossiers are held by the receiver (will be sent again).</translation>
    </message>
    <message>
        <source>Làm mới (F5)</source>
        <translation>Refresh (F5)</translation>
    </message>
    <message>
        <source>&amp;Xem thêm hồ sơ đã giao nhận</source>
        <translation>Show more &amp;delivered dossiers</translation>
    </message>
    <message>
        <source>Lý do trả lại / từ chối: {reason}</source>
        <translation>Reason sent back / refused: {reason}</translation>
    </message>
</context>
<context>
    <name>QuotaEditor</name>
    <message>
        <location filename="../reports.py" line="122"/>
        <source>Áp dụng &amp;từ ngày</source>
        <translation>&amp;Apply from</translation>
    </message>
    <message>
        <location filename="../reports.py" line="124"/>
        <source>đến ngày</source>
        <translation>to</translation>
    </message>
    <message>
        <location filename="../reports.py" line="126"/>
        <source>Đọc chỉ tiêu</source>
        <translation>Load quotas</translation>
    </message>
    <message>
        <location filename="../reports.py" line="138"/>
        <source>— (tổng các xã)</source>
        <translation>— (sum of the communes)</translation>
    </message>
    <message>
        <location filename="../reports.py" line="139"/>
        <source>Chỉ tiêu cả đội mỗi ngày</source>
        <translation>Team quota per day</translation>
    </message>
    <message>
        <location filename="../reports.py" line="153"/>
        <source>Gõ tên hoặc mã xã, phường</source>
        <translation>Type a commune/ward name or code</translation>
    </message>
    <message>
        <location filename="../reports.py" line="154"/>
        <source>&amp;Thêm xã</source>
        <translation>A&amp;dd commune</translation>
    </message>
    <message>
        <location filename="../reports.py" line="155"/>
        <source>&amp;Bỏ xã đã chọn</source>
        <translation>R&amp;emove selected commune</translation>
    </message>
    <message>
        <location filename="../reports.py" line="162"/>
        <source>Chỉ tiêu mỗi ngày</source>
        <translation>Quota per day</translation>
    </message>
    <message>
        <location filename="../reports.py" line="166"/>
        <source>&amp;Nhập tệp chỉ tiêu CSV…</source>
        <translation>&amp;Import quota CSV file…</translation>
    </message>
    <message>
        <location filename="../reports.py" line="167"/>
        <source>&amp;Lưu chỉ tiêu</source>
        <translation>Sa&amp;ve quotas</translation>
    </message>
    <message>
        <location filename="../reports.py" line="281"/>
        <source>Đã lưu {n} chỉ tiêu.</source>
        <translation>Saved {n} quotas.</translation>
    </message>
    <message>
        <location filename="../reports.py" line="289"/>
        <source>Chọn tệp chỉ tiêu</source>
        <translation>Choose a quota file</translation>
    </message>
    <message>
        <location filename="../reports.py" line="289"/>
        <source>Tệp CSV (*.csv *.txt)</source>
        <translation>CSV files (*.csv *.txt)</translation>
    </message>
    <message>
        <location filename="../reports.py" line="302"/>
        <source>Tệp có {n} dòng sai; chưa lưu chỉ tiêu nào.</source>
        <translation>The file has {n} invalid lines; no quotas were saved.</translation>
    </message>
    <message>
        <location filename="../reports.py" line="309"/>
        <source>Đã nhập {n} chỉ tiêu cho {days} ngày.</source>
        <translation>Imported {n} quotas for {days} days.</translation>
    </message>
    <message>
        <location filename="../reports.py" line="320"/>
        <source>Dòng {line}: {text}</source>
        <translation>Line {line}: {text}</translation>
    </message>
    <message>
        <location filename="../reports.py" line="332"/>
        <source>Đang xử lý…</source>
        <translation>Working…</translation>
    </message>
</context>
<context>
    <name>Receipt</name>
    <message>
        <location filename="../receipt.py" line="81"/>
        <source>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</source>
        <translation>SOCIALIST REPUBLIC OF VIET NAM</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="82"/>
        <source>Độc lập - Tự do - Hạnh phúc</source>
        <translation>Independence - Freedom - Happiness</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="84"/>
        <source>GIẤY HẸN TRẢ KẾT QUẢ</source>
        <translation>APPOINTMENT SLIP</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="85"/>
        <source>(Mẫu CC02 — thẻ căn cước)</source>
        <translation>(Form CC02 — ID card)</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="97"/>
        <location filename="../receipt.py" line="109"/>
        <source>Số hồ sơ</source>
        <translation>Dossier no.</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="98"/>
        <source>Họ và tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="99"/>
        <source>Loại thủ tục</source>
        <translation>Procedure</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="100"/>
        <source>Ngày tiếp nhận</source>
        <translation>Intake date</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="101"/>
        <location filename="../receipt.py" line="109"/>
        <source>Ngày hẹn trả thẻ</source>
        <translation>Card ready on</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="102"/>
        <source>Nơi trả thẻ</source>
        <translation>Collect at</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="114"/>
        <source>Khi đến nhận thẻ, mang theo:</source>
        <translation>When collecting the card, bring:</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="119"/>
        <source>Giữ giấy hẹn này cẩn thận. Ngày hẹn tính theo ngày làm việc; nếu trùng ngày nghỉ lễ, thẻ được trả vào ngày làm việc tiếp theo.</source>
        <translation>Keep this slip safe. The date counts working days; if it falls on a public holiday, the card is handed over on the next working day.</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="126"/>
        <source>Cán bộ tiếp nhận: {operator}</source>
        <translation>Intake officer: {operator}</translation>
    </message>
    <message>
        <location filename="../receipt.py" line="140"/>
        <source>Giấy hẹn trả kết quả</source>
        <translation>Appointment slip</translation>
    </message>
</context>
<context>
    <name>ReportPrint</name>
    <message>
        <location filename="../report_pdf.py" line="45"/>
        <source>Ngày</source>
        <translation>Date</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="46"/>
        <source>Cán bộ</source>
        <translation>Operator</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="47"/>
        <source>Xã, phường</source>
        <translation>Commune, ward</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="48"/>
        <source>Đã thu nhận</source>
        <translation>Captured</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="49"/>
        <source>Chỉ tiêu</source>
        <translation>Quota</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="50"/>
        <source>Đạt</source>
        <translation>Achieved</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="51"/>
        <source>Chờ duyệt, niêm phong</source>
        <translation>Awaiting approval, sealing</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="52"/>
        <source>Chờ gửi</source>
        <translation>Awaiting upload</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="53"/>
        <source>Đã giao</source>
        <translation>Delivered</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="54"/>
        <source>Bị trả lại</source>
        <translation>Sent back</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="55"/>
        <source>Tổng</source>
        <translation>Total</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="56"/>
        <source>Theo ngày</source>
        <translation>By day</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="57"/>
        <source>Theo cán bộ</source>
        <translation>By operator</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="58"/>
        <source>Theo xã, phường</source>
        <translation>By commune, ward</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="84"/>
        <source>Tổng: {done} hồ sơ trên chỉ tiêu {target} ({percent} %).</source>
        <translation>Total: {done} dossiers against a quota of {target} ({percent} %).</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="88"/>
        <source>Tổng: {done} hồ sơ (chưa đặt chỉ tiêu).</source>
        <translation>Total: {done} dossiers (no quota set).</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="91"/>
        <source>Chờ duyệt, niêm phong: {unsealed}; chờ gửi: {undelivered}; đã giao: {delivered}; bị trả lại: {rejected}.</source>
        <translation>Awaiting approval or sealing: {unsealed}; awaiting upload: {undelivered}; delivered: {delivered}; sent back: {rejected}.</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="179"/>
        <source>{name} — mã trạm {code}</source>
        <translation>{name} — station code {code}</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="182"/>
        <source>Từ ngày {start} đến ngày {end}</source>
        <translation>From {start} to {end}</translation>
    </message>
    <message>
        <location filename="../report_pdf.py" line="185"/>
        <source>Lập lúc {time}</source>
        <translation>Made at {time}</translation>
    </message>
</context>
<context>
    <name>ReportsScreen</name>
    <message>
        <location filename="../reports.py" line="359"/>
        <source>Báo cáo và chỉ tiêu</source>
        <translation>Reports and quotas</translation>
    </message>
    <message>
        <location filename="../reports.py" line="361"/>
        <source>&amp;Quay lại</source>
        <translation>&amp;Back</translation>
    </message>
    <message>
        <location filename="../reports.py" line="372"/>
        <source>Từ &amp;ngày</source>
        <translation>&amp;From</translation>
    </message>
    <message>
        <location filename="../reports.py" line="374"/>
        <source>đến ngày</source>
        <translation>to</translation>
    </message>
    <message>
        <location filename="../reports.py" line="376"/>
        <source>&amp;Hôm nay</source>
        <translation>&amp;Today</translation>
    </message>
    <message>
        <location filename="../reports.py" line="377"/>
        <source>&amp;7 ngày</source>
        <translation>&amp;7 days</translation>
    </message>
    <message>
        <location filename="../reports.py" line="378"/>
        <source>&amp;Tháng này</source>
        <translation>This &amp;month</translation>
    </message>
    <message>
        <location filename="../reports.py" line="379"/>
        <source>&amp;Xem báo cáo</source>
        <translation>&amp;Show report</translation>
    </message>
    <message>
        <location filename="../reports.py" line="381"/>
        <source>Xuất &amp;CSV…</source>
        <translation>Export &amp;CSV…</translation>
    </message>
    <message>
        <location filename="../reports.py" line="382"/>
        <source>Xuất &amp;PDF…</source>
        <translation>Export &amp;PDF…</translation>
    </message>
    <message>
        <location filename="../reports.py" line="383"/>
        <source>&amp;In…</source>
        <translation>P&amp;rint…</translation>
    </message>
    <message>
        <location filename="../reports.py" line="424"/>
        <source>Chỉ tiêu</source>
        <translation>Quotas</translation>
    </message>
    <message>
        <location filename="../reports.py" line="471"/>
        <source>Đang đọc số liệu…</source>
        <translation>Reading the figures…</translation>
    </message>
    <message>
        <location filename="../reports.py" line="549"/>
        <source>Máy này chưa có máy in.</source>
        <translation>This computer has no printer.</translation>
    </message>
    <message>
        <location filename="../reports.py" line="560"/>
        <source>Lưu báo cáo</source>
        <translation>Save report</translation>
    </message>
    <message>
        <location filename="../reports.py" line="569"/>
        <source>Tệp CSV (*.csv)</source>
        <translation>CSV files (*.csv)</translation>
    </message>
    <message>
        <location filename="../reports.py" line="586"/>
        <source>Tệp PDF (*.pdf)</source>
        <translation>PDF files (*.pdf)</translation>
    </message>
    <message>
        <location filename="../reports.py" line="614"/>
        <source>Đã gửi báo cáo tới máy in.</source>
        <translation>Report sent to the printer.</translation>
    </message>
    <message>
        <location filename="../reports.py" line="621"/>
        <source>Đã lưu báo cáo: {path}</source>
        <translation>Report saved: {path}</translation>
    </message>
    <message>
        <location filename="../reports.py" line="628"/>
        <source>Không ghi được tệp: {error}</source>
        <translation>Cannot write the file: {error}</translation>
    </message>
</context>
<context>
    <name>ResidentSearch</name>
    <message>
        <location filename="../resident_search.py" line="54"/>
        <source>Họ tên (không cần dấu), số định danh, năm sinh…</source>
        <translation>Full name (diacritics optional), personal ID number, year of birth…</translation>
    </message>
    <message>
        <location filename="../resident_search.py" line="119"/>
        <source>Không tìm thấy ai trong danh sách.</source>
        <translation>No one found on the rosters.</translation>
    </message>
    <message>
        <location filename="../resident_search.py" line="137"/>
        <source>(đã có hồ sơ)</source>
        <translation>(has a dossier)</translation>
    </message>
    <message>
        <location filename="../resident_search.py" line="137"/>
        <source>(đã có hồ sơ {number})</source>
        <translation>(has dossier {number})</translation>
    </message>
</context>
<context>
    <name>ReviewScreen</name>
    <message>
        <location filename="../review.py" line="65"/>
        <source>Phê duyệt hồ sơ</source>
        <extracomment>The states listed: waiting for the supervisor, or approved and waiting for the seal (a seal that failed is retried from here). A dossier was approved and sealed (dossier id, packet id). A dossier was sent back for recapture (dossier id).</extracomment>
        <translation>Dossier approval</translation>
    </message>
    <message>
        <location filename="../review.py" line="72"/>
        <source>&amp;Hồ sơ chờ phê duyệt</source>
        <translation>&amp;Dossiers awaiting approval</translation>
    </message>
    <message>
        <location filename="../review.py" line="75"/>
        <source>Không có hồ sơ nào chờ phê duyệt.</source>
        <translation>No dossiers are awaiting approval.</translation>
    </message>
    <message>
        <location filename="../review.py" line="96"/>
        <source>Lý do chấp nhận phông nền:</source>
        <translation>Reason for accepting the background:</translation>
    </message>
    <message>
        <location filename="../review.py" line="100"/>
        <source>Chấp nhận</source>
        <translation>Accept</translation>
    </message>
    <message>
        <location filename="../review.py" line="108"/>
        <source>Lý &amp;do trả lại:</source>
        <translation>&amp;Reason for sending back:</translation>
    </message>
    <message>
        <location filename="../review.py" line="111"/>
        <source>bắt buộc khi trả lại, ví dụ: ảnh bị mờ</source>
        <translation>required when sending back, e.g. blurred photo</translation>
    </message>
    <message>
        <location filename="../review.py" line="113"/>
        <source>&amp;Trả lại</source>
        <translation>Send bac&amp;k</translation>
    </message>
    <message>
        <location filename="../review.py" line="114"/>
        <location filename="../review.py" line="241"/>
        <source>&amp;Phê duyệt và niêm phong</source>
        <translation>&amp;Approve and seal</translation>
    </message>
    <message>
        <location filename="../review.py" line="180"/>
        <source>(đã duyệt, chờ niêm phong)</source>
        <translation>(approved, awaiting seal)</translation>
    </message>
    <message>
        <location filename="../review.py" line="225"/>
        <source>Còn thiếu để phê duyệt:</source>
        <translation>Still missing before approval:</translation>
    </message>
    <message>
        <location filename="../review.py" line="229"/>
        <source>Đủ điều kiện phê duyệt.</source>
        <translation>Ready for approval.</translation>
    </message>
    <message>
        <location filename="../review.py" line="239"/>
        <source>&amp;Niêm phong</source>
        <translation>&amp;Seal</translation>
    </message>
    <message>
        <location filename="../review.py" line="261"/>
        <source>Đã xác nhận ngoại lệ.</source>
        <translation>Exception confirmed.</translation>
    </message>
    <message>
        <location filename="../review.py" line="280"/>
        <source>Đã chấp nhận phông nền, lý do được lưu.</source>
        <translation>Background accepted; the reason is recorded.</translation>
    </message>
    <message>
        <location filename="../review.py" line="295"/>
        <source>Đã trả hồ sơ {number} để thu nhận lại.</source>
        <translation>Dossier {number} sent back for recapture.</translation>
    </message>
    <message>
        <location filename="../review.py" line="309"/>
        <source>Đang phê duyệt và niêm phong hồ sơ {number}…</source>
        <translation>Approving and sealing dossier {number}…</translation>
    </message>
    <message>
        <location filename="../review.py" line="328"/>
        <source>Hồ sơ {number} đã được phê duyệt và niêm phong; gói dữ liệu đang chờ gửi.</source>
        <translation>Dossier {number} is approved and sealed; its data packet is waiting to be sent.</translation>
    </message>
    <message>
        <source>Cảnh báo: {a} và {b} có vẻ là cùng một ngón (độ giống {s:.2f})</source>
        <translation>Alarm: the {a} and the {b} look like the same finger (similarity {s:.2f})</translation>
    </message>
    <message>
        <source>— giám sát viên đã xác nhận khác ngón</source>
        <translation>— a supervisor confirmed they are different fingers</translation>
    </message>
    <message>
        <source>— giám sát viên đã quyết định</source>
        <translation>— a supervisor decided</translation>
    </message>
    <message>
        <source>Vân tay {finger}: giữ chất lượng {q} (ngưỡng {t}) sau {n} lần</source>
        <translation>Print of the {finger} kept at quality {q}, under {t}, after {n} attempts</translation>
    </message>
    <message>
        <source>Quyết định {key} của {by} lúc {at}: {reason}</source>
        <translation>Decision {key} by {by} at {at}: {reason}</translation>
    </message>
    <message>
        <source>&amp;Mật khẩu của bạn:</source>
        <translation>Your pass&amp;word:</translation>
    </message>
    <message>
        <source>Phê duyệt và niêm phong hồ sơ {number} ({name})? Sau khi niêm phong, trạm không còn sửa hay đọc được hồ sơ. Nhập lại mật khẩu của bạn để xác nhận.</source>
        <translation>Approve and seal dossier {number} ({name})? Once sealed, the station can no longer change or read it. Enter your password again to confirm.</translation>
    </message>
    <message>
        <source>Nhập mật khẩu của bạn để niêm phong.</source>
        <translation>Enter your password to seal.</translation>
    </message>
    <message>
        <source>Hủ&amp;y</source>
        <translation>Ca&amp;ncel</translation>
    </message>
</context>
<context>
    <name>RolledPage</name>
    <message>
        <source>Vân tay lăn: mười ngón, từ ngón cái phải đến ngón út trái</source>
        <translation>Rolled prints: all ten fingers, from the right thumb to the left little finger</translation>
    </message>
    <message>
        <source>Hồ sơ này không cần lăn vân tay: công dân chưa đến tuổi thu nhận vân tay.</source>
        <translation>This dossier needs no rolled prints: the citizen is too young for fingerprints.</translation>
    </message>
</context>
<context>
    <name>RosterScreen</name>
    <message>
        <location filename="../rosters.py" line="73"/>
        <source>Danh sách đợt thu nhận</source>
        <translation>Intake drive rosters</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="75"/>
        <source>&amp;Quay lại</source>
        <translation>&amp;Back</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="108"/>
        <source>&amp;Danh sách đã nhập</source>
        <translation>Imported &amp;rosters</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="115"/>
        <source>Đợt thu nhận (trường, cơ quan)</source>
        <translation>Intake drive (school, agency)</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="116"/>
        <source>Cư dân của xã, phường</source>
        <translation>Residents of a commune/ward</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="117"/>
        <source>&amp;Nhập danh sách CSV…</source>
        <translation>&amp;Import roster CSV…</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="138"/>
        <location filename="../rosters.py" line="315"/>
        <source>Chưa gọi ai.</source>
        <translation>No one called yet.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="147"/>
        <source>&amp;Gọi người tiếp theo (F6)</source>
        <translation>Call &amp;next person (F6)</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="148"/>
        <source>&amp;Thu nhận người này (F8)</source>
        <translation>&amp;Start intake for this person (F8)</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="161"/>
        <source>Lượt</source>
        <translation>Order</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="162"/>
        <source>STT</source>
        <translation>No.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="163"/>
        <source>Họ tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="164"/>
        <source>Ngày sinh</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="165"/>
        <source>Nhóm ưu tiên</source>
        <translation>Priority group</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="166"/>
        <source>Trạng thái</source>
        <translation>State</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="167"/>
        <source>Số hồ sơ</source>
        <translation>Dossier no.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="199"/>
        <source>đợt thu nhận</source>
        <translation>intake drive</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="199"/>
        <source>cư dân</source>
        <translation>residents</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="202"/>
        <source>{name} — {kind} — {done}/{total} đã thu nhận</source>
        <translation>{name} — {kind} — {done}/{total} done</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="212"/>
        <source>Chưa có danh sách nào; hãy nhập một tệp CSV.</source>
        <translation>No rosters yet; import a CSV file.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="264"/>
        <source>{total} người; {waiting} người chưa thu nhận.</source>
        <translation>{total} people; {waiting} awaiting intake.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="305"/>
        <source>Mọi người trong danh sách đã được thu nhận.</source>
        <translation>Intake is done for everyone on the roster.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="321"/>
        <source>Mời số {number}: {name}</source>
        <translation>Now calling no. {number}: {name}</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="327"/>
        <source>sinh {date}</source>
        <translation>born {date}</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="334"/>
        <source>Chọn một người trong danh sách trước.</source>
        <translation>Select a person on the roster first.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="338"/>
        <source>{name} đã có hồ sơ {number}.</source>
        <translation>{name} already has dossier {number}.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="359"/>
        <source>Chọn tệp danh sách</source>
        <translation>Choose a roster file</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="359"/>
        <source>Tệp CSV (*.csv *.txt)</source>
        <translation>CSV files (*.csv *.txt)</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="367"/>
        <source>Đang nhập {file}…</source>
        <translation>Importing {file}…</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="376"/>
        <source>Đã nhập {ok} người; {bad} dòng bị loại.</source>
        <translation>Imported {ok} people; {bad} lines rejected.</translation>
    </message>
    <message>
        <location filename="../rosters.py" line="383"/>
        <source>Dòng {line}: {text}</source>
        <translation>Line {line}: {text}</translation>
    </message>
    <message>
        <source>Ẩn người đã t&amp;hu nhận</source>
        <translation>Hide &amp;completed intakes</translation>
    </message>
</context>
<context>
    <name>ScreenFrame</name>
    <message>
        <location filename="../widgets.py" line="18"/>
        <source>← &amp;Quay lại</source>
        <translation>← &amp;Back</translation>
    </message>
</context>
<context>
    <name>SearchScreen</name>
    <message>
        <location filename="../search_screen.py" line="20"/>
        <source>Tìm người trong danh sách cư dân và đợt thu nhận</source>
        <translation>Find a person on the resident and intake drive rosters</translation>
    </message>
    <message>
        <location filename="../search_screen.py" line="22"/>
        <source>&amp;Về trang chính</source>
        <translation>Back to &amp;home</translation>
    </message>
    <message>
        <location filename="../search_screen.py" line="29"/>
        <source>Gõ họ tên (có dấu hoặc không), năm sinh hoặc số định danh; chọn một người rồi nhấn Enter để lập hồ sơ cho người đó.</source>
        <translation>Type a full name (with or without diacritics), a year of birth or a personal ID number; select a person and press Enter to open a dossier for them.</translation>
    </message>
</context>
<context>
    <name>SettingsScreen</name>
    <message>
        <location filename="../settings.py" line="1"/>
        <source>C&amp;hip thẻ cũ (CSCA)</source>
        <translation>Old card's c&amp;hip (CSCA)</translation>
    </message>
    <message>
        <location filename="../settings.py" line="140"/>
        <source>Máy ảnh</source>
        <translation>Camera</translation>
    </message>
    <message>
        <location filename="../settings.py" line="141"/>
        <source>Máy quét vân tay</source>
        <translation>Fingerprint scanner</translation>
    </message>
    <message>
        <location filename="../settings.py" line="142"/>
        <source>Bảng ký</source>
        <translation>Signature pad</translation>
    </message>
    <message>
        <location filename="../settings.py" line="143"/>
        <source>Máy quét giấy tờ</source>
        <translation>Document scanner</translation>
    </message>
    <message>
        <location filename="../settings.py" line="144"/>
        <source>Đầu đọc thẻ (chip)</source>
        <translation>Card reader (chip)</translation>
    </message>
    <message>
        <source>Máy quét vân tay lăn</source>
        <translation>Rolled-print scanner</translation>
    </message>
    <message>
        <source>Máy chụp mống mắt</source>
        <translation>Iris camera</translation>
    </message>
    <message>
        <location filename="../settings.py" line="192"/>
        <source>Cài đặt trạm</source>
        <extracomment>The language preference changed (the new language; applies from the next start).</extracomment>
        <translation>Station settings</translation>
    </message>
    <message>
        <location filename="../settings.py" line="196"/>
        <source>&amp;Thiết bị</source>
        <translation>&amp;Devices</translation>
    </message>
    <message>
        <location filename="../settings.py" line="197"/>
        <source>Máy &amp;chủ nhận</source>
        <translation>&amp;Receiver</translation>
    </message>
    <message>
        <location filename="../settings.py" line="198"/>
        <source>Cán &amp;bộ</source>
        <translation>&amp;Operators</translation>
    </message>
    <message>
        <location filename="../settings.py" line="199"/>
        <source>&amp;Ngôn ngữ, phiên</source>
        <translation>&amp;Language, session</translation>
    </message>
    <message>
        <location filename="../settings.py" line="200"/>
        <source>&amp;Sao lưu, chẩn đoán</source>
        <translation>Backu&amp;p, diagnostics</translation>
    </message>
    <message>
        <location filename="../settings.py" line="208"/>
        <source>&amp;Dò thiết bị</source>
        <translation>&amp;Scan for devices</translation>
    </message>
    <message>
        <location filename="../settings.py" line="216"/>
        <source>Loại</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../settings.py" line="217"/>
        <source>Thiết bị</source>
        <translation>Device</translation>
    </message>
    <message>
        <location filename="../settings.py" line="218"/>
        <source>Trình điều khiển</source>
        <translation>Driver</translation>
    </message>
    <message>
        <location filename="../settings.py" line="219"/>
        <source>Mô phỏng</source>
        <translation>Simulated</translation>
    </message>
    <message>
        <location filename="../settings.py" line="220"/>
        <location filename="../settings.py" line="529"/>
        <source>Kiểm tra</source>
        <translation>Test</translation>
    </message>
    <message>
        <location filename="../settings.py" line="221"/>
        <source>Kết quả</source>
        <translation>Result</translation>
    </message>
    <message>
        <location filename="../settings.py" line="244"/>
        <source>Lưu địa &amp;chỉ</source>
        <translation>Save &amp;address</translation>
    </message>
    <message>
        <location filename="../settings.py" line="248"/>
        <source>Địa chỉ máy chủ nhận</source>
        <translation>Receiver address</translation>
    </message>
    <message>
        <location filename="../settings.py" line="252"/>
        <source>không giới hạn</source>
        <translation>unlimited</translation>
    </message>
    <message>
        <location filename="../settings.py" line="253"/>
        <source>Giới hạn băng thông gửi</source>
        <translation>Upload bandwidth limit</translation>
    </message>
    <message>
        <location filename="../settings.py" line="256"/>
        <location filename="../settings.py" line="371"/>
        <source> ngày</source>
        <translation> days</translation>
    </message>
    <message>
        <location filename="../settings.py" line="257"/>
        <source>Giữ gói đã có biên nhận</source>
        <translation>Keep receipted packets for</translation>
    </message>
    <message>
        <location filename="../settings.py" line="258"/>
        <source>&amp;Lưu cài đặt gửi</source>
        <translation>Save &amp;upload settings</translation>
    </message>
    <message>
        <location filename="../settings.py" line="274"/>
        <source>Mã cán bộ</source>
        <translation>Operator ID</translation>
    </message>
    <message>
        <location filename="../settings.py" line="274"/>
        <source>Họ tên</source>
        <translation>Full name</translation>
    </message>
    <message>
        <location filename="../settings.py" line="274"/>
        <source>Vai trò</source>
        <translation>Role</translation>
    </message>
    <message>
        <location filename="../settings.py" line="274"/>
        <source>Tình trạng</source>
        <translation>Status</translation>
    </message>
    <message>
        <location filename="../settings.py" line="287"/>
        <source>mã cán bộ</source>
        <translation>operator ID</translation>
    </message>
    <message>
        <location filename="../settings.py" line="289"/>
        <source>họ tên</source>
        <translation>full name</translation>
    </message>
    <message>
        <location filename="../settings.py" line="295"/>
        <source>mật khẩu ban đầu</source>
        <translation>initial password</translation>
    </message>
    <message>
        <location filename="../settings.py" line="296"/>
        <source>&amp;Thêm cán bộ</source>
        <translation>&amp;Add operator</translation>
    </message>
    <message>
        <location filename="../settings.py" line="308"/>
        <source>&amp;Khóa tài khoản</source>
        <translation>Loc&amp;k account</translation>
    </message>
    <message>
        <location filename="../settings.py" line="311"/>
        <source>mật khẩu mới</source>
        <translation>new password</translation>
    </message>
    <message>
        <location filename="../settings.py" line="314"/>
        <source>mật khẩu của quản trị</source>
        <translation>administrator&apos;s password</translation>
    </message>
    <message>
        <location filename="../settings.py" line="315"/>
        <source>Đặt &amp;lại mật khẩu</source>
        <translation>Res&amp;et password</translation>
    </message>
    <message>
        <location filename="../settings.py" line="337"/>
        <source>Lưu &amp;ngôn ngữ</source>
        <translation>Save lan&amp;guage</translation>
    </message>
    <message>
        <location filename="../settings.py" line="341"/>
        <source>Ngôn ngữ giao diện</source>
        <translation>Interface language</translation>
    </message>
    <message>
        <location filename="../settings.py" line="343"/>
        <source>Tự khóa màn hình sau</source>
        <translation>Lock the screen automatically after</translation>
    </message>
    <message>
        <location filename="../settings.py" line="356"/>
        <source>Bản sao lưu gồm kho dữ liệu đã mã hóa và danh mục kiểm tra có chữ ký của trạm; chỉ khôi phục được vào chính trạm này (lệnh «intake-station restore»). Báo cáo chẩn đoán không chứa dữ liệu cá nhân.</source>
        <translation>A backup holds the encrypted data store and the station&apos;s signed manifest; it can be restored only to this same station (the “intake-station restore” command). The diagnostics report contains no personal data.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="365"/>
        <source>Sao &amp;lưu vào thư mục (USB)…</source>
        <translation>Back up to a &amp;folder (USB)…</translation>
    </message>
    <message>
        <location filename="../settings.py" line="366"/>
        <source>Xuất báo cáo &amp;chẩn đoán…</source>
        <translation>Export d&amp;iagnostics report…</translation>
    </message>
    <message>
        <location filename="../settings.py" line="367"/>
        <source>Sao lưu</source>
        <translation>Backup</translation>
    </message>
    <message>
        <location filename="../settings.py" line="368"/>
        <source>Chẩn đoán</source>
        <translation>Diagnostics</translation>
    </message>
    <message>
        <location filename="../settings.py" line="372"/>
        <source>không cảnh báo</source>
        <translation>no warning</translation>
    </message>
    <message>
        <location filename="../settings.py" line="373"/>
        <source>Lưu</source>
        <translation>Save</translation>
    </message>
    <message>
        <location filename="../settings.py" line="378"/>
        <source>Cảnh báo khi chưa đồng bộ sau</source>
        <translation>Warn when not synced for</translation>
    </message>
    <message>
        <location filename="../settings.py" line="394"/>
        <source>Chọn thư mục sao lưu (USB)</source>
        <translation>Choose the backup folder (USB)</translation>
    </message>
    <message>
        <location filename="../settings.py" line="398"/>
        <source>Đang sao lưu…</source>
        <translation>Backing up…</translation>
    </message>
    <message>
        <location filename="../settings.py" line="404"/>
        <source>Đã sao lưu {size} MB vào {folder}.</source>
        <translation>Backed up {size} MB to {folder}.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="418"/>
        <source>Chọn thư mục lưu báo cáo chẩn đoán</source>
        <translation>Choose a folder for the diagnostics report</translation>
    </message>
    <message>
        <location filename="../settings.py" line="426"/>
        <source>Đã ghi báo cáo chẩn đoán: {path}</source>
        <translation>Diagnostics report written: {path}</translation>
    </message>
    <message>
        <location filename="../settings.py" line="444"/>
        <source>Đã lưu.</source>
        <translation>Saved.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="468"/>
        <source>{minutes} phút không thao tác</source>
        <translation>{minutes} minutes of inactivity</translation>
    </message>
    <message>
        <location filename="../settings.py" line="482"/>
        <source>đã khóa</source>
        <translation>locked</translation>
    </message>
    <message>
        <location filename="../settings.py" line="484"/>
        <source>phải đổi mật khẩu</source>
        <translation>must change password</translation>
    </message>
    <message>
        <location filename="../settings.py" line="486"/>
        <source>đang dùng</source>
        <translation>active</translation>
    </message>
    <message>
        <location filename="../settings.py" line="500"/>
        <source>Trạm chưa có danh sách trình điều khiển thiết bị.</source>
        <translation>The station has no list of device drivers.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="506"/>
        <source>Đang dò thiết bị…</source>
        <translation>Scanning for devices…</translation>
    </message>
    <message>
        <location filename="../settings.py" line="525"/>
        <source>có</source>
        <translation>yes</translation>
    </message>
    <message>
        <location filename="../settings.py" line="525"/>
        <source>không</source>
        <translation>no</translation>
    </message>
    <message>
        <location filename="../settings.py" line="544"/>
        <source>Trình điều khiển lỗi khi dò:</source>
        <translation>Drivers that failed during the scan:</translation>
    </message>
    <message>
        <location filename="../settings.py" line="546"/>
        <source>Tìm thấy {n} thiết bị.</source>
        <translation>Found {n} devices.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="564"/>
        <source>Đang kiểm tra…</source>
        <translation>Testing…</translation>
    </message>
    <message>
        <location filename="../settings.py" line="595"/>
        <source>Đã lưu địa chỉ máy chủ nhận.</source>
        <translation>Receiver address saved.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="606"/>
        <source>Đã lưu cài đặt gửi.</source>
        <translation>Upload settings saved.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="627"/>
        <source>Đã thêm cán bộ {id}; lần đăng nhập đầu phải đổi mật khẩu.</source>
        <translation>Operator {id} added; the password must be changed at the first login.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="638"/>
        <location filename="../settings.py" line="651"/>
        <source>Chọn một cán bộ trong danh sách.</source>
        <translation>Select an operator in the list.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="645"/>
        <source>Đã khóa tài khoản {id}.</source>
        <translation>Account {id} locked.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="663"/>
        <source>Đã đặt lại mật khẩu cho {id}; lần đăng nhập tới phải đổi.</source>
        <translation>Password of {id} reset; it must be changed at the next login.</translation>
    </message>
    <message>
        <location filename="../settings.py" line="678"/>
        <source>Đã lưu. Ngôn ngữ mới dùng từ lần mở trạm tiếp theo.</source>
        <translation>Saved. The new language applies from the next time the station is opened.</translation>
    </message>
</context>
<context>
    <name>SignaturePage</name>
    <message>
        <location filename="../signature_page.py" line="96"/>
        <source>Chữ ký</source>
        <extracomment>Where the signature lives in the dossier: the rendered image and the raw strokes. How long leaving the page waits for a save already running on the background worker.</extracomment>
        <translation>Signature</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="127"/>
        <source>&amp;Lưu chữ ký [Ctrl+S]</source>
        <translation>&amp;Save signature [Ctrl+S]</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="129"/>
        <source>&amp;Xóa, ký lại [Del]</source>
        <translation>&amp;Clear and sign again [Del]</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="131"/>
        <source>Ký trên &amp;bảng ký</source>
        <translation>Sign on the p&amp;ad</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="132"/>
        <source>Dùng thiết bị bảng ký điện tử nối với trạm</source>
        <translation>Use the electronic signature pad connected to the station</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="134"/>
        <source>&amp;Không ký được…</source>
        <translation>&amp;Unable to sign…</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="165"/>
        <source>Ký vào khung bằng bút hoặc chuột, rồi bấm «Lưu chữ ký».</source>
        <translation>Sign in the box with a pen or the mouse, then click “Save signature”.</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="168"/>
        <source>Mời ký trên bảng ký…</source>
        <translation>Please sign on the pad…</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="170"/>
        <source>Chữ ký đã lưu. Bấm «Xóa, ký lại» để ký lại.</source>
        <translation>Signature saved. Click “Clear and sign again” to sign again.</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="210"/>
        <source>Chữ ký đã lưu trong hồ sơ.</source>
        <translation>The signature is saved in the dossier.</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="215"/>
        <source>Hồ sơ này không cần chữ ký.</source>
        <translation>This dossier needs no signature.</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="250"/>
        <source>Chưa có nét ký nào trong khung.</source>
        <translation>There are no strokes in the box yet.</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="264"/>
        <source>Chữ ký đã lưu vẫn được giữ cho đến khi lưu chữ ký mới.</source>
        <translation>The saved signature is kept until a new one is saved.</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="311"/>
        <source>chữ ký</source>
        <translation>signature</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="327"/>
        <source>Đang lưu chữ ký…</source>
        <translation>Saving the signature…</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="344"/>
        <source>Đã lưu chữ ký vào hồ sơ.</source>
        <translation>Signature saved to the dossier.</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="410"/>
        <source>Người ký: người đại diện hợp pháp của công dân</source>
        <translation>Signer: the citizen&apos;s legal representative</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="414"/>
        <source>Người ký: công dân</source>
        <translation>Signer: the citizen</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="420"/>
        <source>Chưa có ngày sinh: chưa xác định được ai ký (công dân hay người đại diện).</source>
        <translation>No date of birth yet: cannot tell who signs (the citizen or a representative).</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="428"/>
        <source>Đã ghi ngoại lệ: %1. Lý do: %2</source>
        <translation>Exception recorded: %1. Reason: %2</translation>
    </message>
    <message>
        <location filename="../signature_page.py" line="431"/>
        <source>Nếu người ký ký được, bấm «Xóa, ký lại» rồi ký: chữ ký thay cho ngoại lệ.</source>
        <translation>If the signer can sign, click “Clear and sign again” and sign: the signature replaces the exception.</translation>
    </message>
    <message>
        <source>Xác nhận — in giấy &amp;hẹn</source>
        <translation>Confirm — print the appoint&amp;ment slip</translation>
    </message>
    <message>
        <source>Công dân ký sau khi đã kiểm tra phiếu thu nhận: quay lại bước «Công dân kiểm tra», rồi ký.</source>
        <translation>The citizen signs after reviewing the intake record: go back to the step 'Citizen reviews the record', then sign.</translation>
    </message>
    <message>
        <source>Thông tin đã sửa sau khi ký: chữ ký này không còn xác nhận hồ sơ. Công dân kiểm tra lại rồi ký lại.</source>
        <translation>The data changed after signing: this signature no longer confirms the dossier. The citizen reviews it again, then signs again.</translation>
    </message>
</context>
<context>
    <name>StartPage</name>
    <message>
        <location filename="../start_page.py" line="1"/>
        <source>hoặc 6 số CAN in trên thẻ</source>
        <translation>or the card's 6-digit CAN</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="1"/>
        <source>Số CAN</source>
        <translation>CAN</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="1"/>
        <source>Đặt thẻ lên đầu đọc rồi bấm «Đọc chip» (không cần nhập gì).</source>
        <translation>Put the card on the reader and press "Read the chip" (nothing to type).</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="102"/>
        <source>Hồ sơ mới</source>
        <extracomment>Seconds the chip read waits for a card to be put on the reader.</extracomment>
        <translation>New dossier</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="125"/>
        <source>Xóa dữ liệu đã đọc</source>
        <translation>Clear the data read</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="127"/>
        <source>&amp;Bắt đầu (Ctrl+Enter)</source>
        <translation>&amp;Start (Ctrl+Enter)</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="142"/>
        <source>Loại hồ sơ</source>
        <translation>Dossier type</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="155"/>
        <source>Nơi thu nhận</source>
        <translation>Place of intake</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="157"/>
        <source>Thu nhận tại nhà công dân (lưu động)</source>
        <translation>Intake at the citizen&apos;s home (mobile)</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="160"/>
        <source>Địa chỉ nơi thu nhận</source>
        <translation>Address of the place of intake</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="168"/>
        <source>Lấy thông tin ban đầu từ</source>
        <translation>Take the initial data from</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="174"/>
        <source>&amp;Không (nhập tay)</source>
        <translation>None (&amp;manual entry)</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="175"/>
        <source>&amp;Danh sách dân cư</source>
        <translation>&amp;Resident roster</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="176"/>
        <source>Mã &amp;QR thẻ cũ</source>
        <translation>Old card &amp;QR code</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="177"/>
        <source>&amp;Chip thẻ cũ</source>
        <translation>Old card &amp;chip</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="209"/>
        <source>Quét mã QR bằng máy quét cầm tay, hoặc dán nội dung rồi nhấn Enter</source>
        <translation>Scan the QR code with the handheld scanner, or paste its content and press Enter</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="213"/>
        <source>Chọn ảnh mã QR…</source>
        <translation>Choose a QR code image…</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="215"/>
        <source>Chụp mã QR bằng camera</source>
        <translation>Capture the QR code with the camera</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="234"/>
        <source>Đọc chip (đặt thẻ lên đầu đọc)</source>
        <translation>Read the chip (place the card on the reader)</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="237"/>
        <source>Số thẻ cũ (12 số)</source>
        <translation>Old card number (12 digits)</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="238"/>
        <source>Ngày sinh</source>
        <translation>Date of birth</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="239"/>
        <source>Có giá trị đến</source>
        <translation>Valid until</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="334"/>
        <source>Ảnh mã QR thẻ cũ</source>
        <translation>Old card QR code image</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="334"/>
        <source>Ảnh (*.png *.jpg *.jpeg *.bmp)</source>
        <translation>Images (*.png *.jpg *.jpeg *.bmp)</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="343"/>
        <source>Trạm chưa có camera.</source>
        <translation>The station has no camera.</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="403"/>
        <source>Đang đọc…</source>
        <translation>Reading…</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="455"/>
        <source>{field}: hai nguồn khác nhau — giữ «{kept}», bỏ qua «{other}».</source>
        <translation>{field}: the two sources differ — kept “{kept}”, ignored “{other}”.</translation>
    </message>
    <message>
        <location filename="../start_page.py" line="461"/>
        <source>{field}: chưa tự điền được, nhập tay theo «{text}».</source>
        <translation>{field}: could not be filled in automatically; enter it by hand from “{text}”.</translation>
    </message>
    <message>
        <source>Quay &amp;lại</source>
        <translation>&amp;Back</translation>
    </message>
</context>
<context>
    <name>UiContext</name>
    <message>
        <location filename="../context.py" line="47"/>
        <source>Lỗi không mong đợi; đã ghi vào nhật ký. Dữ liệu đã nhập vẫn được giữ.</source>
        <translation>Unexpected error; it has been logged. The data entered is kept.</translation>
    </message>
</context>
<context>
    <name>Wizard</name>
    <message>
        <location filename="../wizard.py" line="81"/>
        <source>1. Loại hồ sơ</source>
        <extracomment>Steps that show a dossier (the start step comes before there is one). Which missing-capture kinds each step is responsible for.</extracomment>
        <translation>1. Case type</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="82"/>
        <source>2. Thông tin công dân</source>
        <translation>2. Citizen&apos;s details</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="83"/>
        <source>3. Ảnh chân dung</source>
        <translation>3. Portrait photo</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="84"/>
        <source>4. Vân tay</source>
        <translation>4. Fingerprints</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="85"/>
        <source>5. Vân tay lăn</source>
        <translation>5. Rolled prints</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="86"/>
        <source>6. Mống mắt</source>
        <translation>6. Irises</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="87"/>
        <source>7. Giấy tờ kèm theo</source>
        <translation>7. Supporting papers</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="88"/>
        <source>8. Công dân kiểm tra</source>
        <translation>8. Citizen reviews the record</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="89"/>
        <source>9. Công dân ký xác nhận</source>
        <translation>9. Citizen signs</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="113"/>
        <location filename="../wizard.py" line="196"/>
        <source>Hồ sơ mới</source>
        <translation>New dossier</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="127"/>
        <source>&amp;Về trang chính</source>
        <translation>Back to &amp;home</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="128"/>
        <source>Hồ sơ đã được lưu; có thể mở lại từ hàng đợi.</source>
        <translation>The dossier is saved; you can reopen it from the queue.</translation>
    </message>
    <message>
        <location filename="../wizard.py" line="160"/>
        <source>&amp;Tiếp →</source>
        <translation>&amp;Next →</translation>
    </message>
    <message>
        <source>← T&amp;rước</source>
        <translation>← &amp;Previous</translation>
    </message>
</context>
<context>
    <name>run</name>
    <message>
        <location filename="../app.py" line="895"/>
        <source>Không mở được trạm</source>
        <translation>Cannot open the station</translation>
    </message>
</context>
<context>
    <name>IntakeRecord</name>
    <message>
        <source>Phiếu thu nhận thông tin căn cước</source>
        <translation>Identity information intake record</translation>
    </message>
    <message>
        <source>{station} ({code}), ngày {day}, cán bộ {operator}</source>
        <translation>{station} ({code}), {day}, officer {operator}</translation>
    </message>
    <message>
        <source>Thông tin công dân</source>
        <translation>The citizen's information</translation>
    </message>
    <message>
        <source>Đã thu nhận</source>
        <translation>Received</translation>
    </message>
    <message>
        <source>Công dân đã kiểm tra thông tin trên phiếu.</source>
        <translation>The citizen has checked the information on this record.</translation>
    </message>
</context>
<context>
    <name>ChipVerdictPanel</name>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Mở chip: {access}; xác thực chip (DG14): {ca}; xác thực chủ động (DG15): {aa}</source>
        <translation>Chip opened by: {access}; chip authentication (DG14): {ca}; active authentication (DG15): {aa}</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>đạt</source>
        <translation>passed</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>THẤT BẠI</source>
        <translation>FAILED</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>thẻ không hỗ trợ</source>
        <translation>not offered by the card</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>chưa thực hiện</source>
        <translation>not performed</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Lý do xác nhận cùng một người:</source>
        <translation>Reason it is the same person:</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Xác nhận ảnh</source>
        <translation>Confirm the portrait</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Đang so ảnh chip với ảnh chụp tại trạm…</source>
        <translation>Comparing the chip's portrait with the live one…</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Chưa có đủ ảnh chip và ảnh chụp tại trạm để so.</source>
        <translation>The chip's portrait and the live one are not both there yet.</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Đã được {who} xác nhận: {reason}</source>
        <translation>Confirmed by {who}: {reason}</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Lý do chấp nhận thẻ:</source>
        <translation>Reason for accepting the card:</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Chấp nhận thẻ</source>
        <translation>Accept the card</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Đã được {who} chấp nhận: {reason}</source>
        <translation>Accepted by {who}: {reason}</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Chip thẻ cũ: {text}</source>
        <translation>Old card's chip: {text}</translation>
    </message>
</context>
<context>
    <name>CscaPanel</name>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Chứng thư CSCA dùng để kiểm tra chuỗi chữ ký của chip thẻ cũ. Khi chưa có, kết quả ghi «chưa kiểm tra chuỗi».</source>
        <translation>CSCA certificates are used to check the signature chain of the old card's chip. Without one, the result reads "chain not checked".</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Chủ thể</source>
        <translation>Subject</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Hiệu lực</source>
        <translation>Validity</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Dấu vân tay SHA-256</source>
        <translation>SHA-256 fingerprint</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Nguồn</source>
        <translation>Source</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Nhập tệp (.ml, .pem, .der)…</source>
        <translation>Import a file (.ml, .pem, .der)…</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Nhập cả thư mục…</source>
        <translation>Import a whole folder…</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Gỡ chứng thư đã chọn</source>
        <translation>Remove the selected certificate</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Đầu đọc thẻ cố định (để trống: đầu đọc có thẻ):</source>
        <translation>Pinned card reader (empty: the reader holding a card):</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Lưu đầu đọc</source>
        <translation>Save the reader</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Chọn tệp CSCA</source>
        <translation>Choose a CSCA file</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Đã nhập {added} chứng thư ({already} đã có).</source>
        <translation>Imported {added} certificates ({already} already held).</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Chọn thư mục CSCA</source>
        <translation>Choose a CSCA folder</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Đã gỡ {subject}.</source>
        <translation>Removed {subject}.</translation>
    </message>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Đã lưu đầu đọc thẻ.</source>
        <translation>The card reader is saved.</translation>
    </message>
</context>
<context>
    <name>ChipFace</name>
    <message>
        <location filename="../chip_panels.py" line="1"/>
        <source>Giám sát viên sẽ quyết định khi duyệt hồ sơ.</source>
        <translation>The supervisor will decide when reviewing the dossier.</translation>
    </message>
</context>
<context>
    <name>LockCountdown</name>
    <message>
        <source>Màn hình sẽ tự khóa sau {time} nếu không có thao tác. Nhấn phím bất kỳ hoặc bấm chuột để tiếp tục làm việc.</source>
        <translation>The screen locks in {time} without activity. Press any key or click to keep working.</translation>
    </message>
</context>
<context>
    <name>PrivacyNoticePanel</name>
    <message>
        <source>Trước khi thu nhận: thông báo cho công dân</source>
        <translation>Before capture: tell the citizen</translation>
    </message>
    <message>
        <source>Đọc hoặc cho công dân xem thông báo dưới đây, rồi ghi nhận là đã thông báo.</source>
        <translation>Read the notice below to the citizen or let them read it, then record that it was given.</translation>
    </message>
    <message>
        <source>Đã thông báo cho công dân — tiếp tục</source>
        <translation>Notice given to the citizen — continue</translation>
    </message>
</context>
<context>
    <name>StatusArea</name>
    <message>
        <source>● Máy chủ nhận: chưa cài địa chỉ</source>
        <translation>● Receiver: no address set</translation>
    </message>
    <message>
        <source>● Máy chủ nhận: chưa kiểm tra</source>
        <translation>● Receiver: not tried yet</translation>
    </message>
    <message>
        <source>● Máy chủ nhận: kết nối được (lúc {time})</source>
        <translation>● Receiver: reachable (at {time})</translation>
    </message>
    <message>
        <source>● Máy chủ nhận: không kết nối được (lúc {time})</source>
        <translation>● Receiver: unreachable (at {time})</translation>
    </message>
    <message>
        <source>Biên nhận gần nhất: chưa có</source>
        <translation>Last receipt: none yet</translation>
    </message>
    <message>
        <source>Biên nhận gần nhất: {time}</source>
        <translation>Last receipt: {time}</translation>
    </message>
    <message>
        <source>Gói chờ gửi: {n}</source>
        <translation>Packets waiting: {n}</translation>
    </message>
</context>
<context>
    <name>CapturePage</name>
    <message>
        <source>&amp;Ngoại lệ…</source>
        <translation>&amp;Exception…</translation>
    </message>
    <message>
        <source>Hủy lần chụp  [Esc]</source>
        <translation>Cancel the capture  [Esc]</translation>
    </message>
    <message>
        <source>Đã hủy lần chụp. Nhấn Space để chụp lại.</source>
        <translation>Capture cancelled. Press Space to capture again.</translation>
    </message>
    <message>
        <source>Thiết bị: {0}</source>
        <translation>Device: {0}</translation>
    </message>
</context>
<context>
    <name>DeviceName</name>
    <message>
        <source>Máy ảnh mô phỏng</source>
        <translation>Simulated camera</translation>
    </message>
    <message>
        <source>Máy quét vân tay mô phỏng</source>
        <translation>Simulated slap scanner</translation>
    </message>
    <message>
        <source>Máy quét vân tay lăn mô phỏng</source>
        <translation>Simulated rolled-print scanner</translation>
    </message>
    <message>
        <source>Máy chụp mống mắt mô phỏng</source>
        <translation>Simulated iris camera</translation>
    </message>
    <message>
        <source>Bảng ký mô phỏng</source>
        <translation>Simulated signature pad</translation>
    </message>
    <message>
        <source>Máy quét giấy tờ mô phỏng</source>
        <translation>Simulated document scanner</translation>
    </message>
    <message>
        <source>Đầu đọc thẻ mô phỏng</source>
        <translation>Simulated card reader</translation>
    </message>
</context>
</TS>
