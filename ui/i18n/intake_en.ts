<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en_US" sourcelanguage="vi_VN">
<context>
    <name>HomeScreen</name>
    <message>
        <source>Khóa màn hình</source>
        <translation>Lock screen</translation>
    </message>
    <message>
        <source>Đăng xuất</source>
        <translation>Log out</translation>
    </message>
    <message>
        <source>Hồ sơ theo trạng thái</source>
        <translation>Dossiers by state</translation>
    </message>
    <message>
        <source>Trạng thái</source>
        <translation>State</translation>
    </message>
    <message>
        <source>Số hồ sơ</source>
        <translation>Dossiers</translation>
    </message>
    <message>
        <source>Xin chào, {name} ({role})</source>
        <translation>Hello, {name} ({role})</translation>
    </message>
    <message>
        <source>{name} — mã trạm {code}</source>
        <translation>{name} — station code {code}</translation>
    </message>
    <message>
        <source>Bạn phải đổi mật khẩu trước khi làm việc.</source>
        <translation>You must change your password before you go on working.</translation>
    </message>
    <message>
        <source>Không đọc được số liệu hồ sơ: {error}</source>
        <translation>Cannot read the dossier figures: {error}</translation>
    </message>
</context>
<context>
    <name>LoginScreen</name>
    <message>
        <source>Trạm thu nhận hồ sơ căn cước</source>
        <translation>Citizen ID dossier intake station</translation>
    </message>
    <message>
        <source>Đăng nhập để mở kho dữ liệu của trạm.</source>
        <translation>Log in to open the station&apos;s data store.</translation>
    </message>
    <message>
        <source>Mã cán bộ</source>
        <translation>Operator ID</translation>
    </message>
    <message>
        <source>Mật khẩu</source>
        <translation>Password</translation>
    </message>
    <message>
        <source>Đăng xuất</source>
        <translation>Log out</translation>
    </message>
    <message>
        <source>{name} — mã trạm {code}</source>
        <translation>{name} — station code {code}</translation>
    </message>
    <message>
        <source>Đăng nhập</source>
        <translation>Log in</translation>
    </message>
    <message>
        <source>Màn hình đã khóa</source>
        <translation>Screen locked</translation>
    </message>
    <message>
        <source>Mở khóa</source>
        <translation>Unlock</translation>
    </message>
    <message>
        <source>Đang kiểm tra mật khẩu…</source>
        <translation>Checking the password…</translation>
    </message>
    <message>
        <source>Thời gian chờ còn lại: {time}</source>
        <translation>Time left to wait: {time}</translation>
    </message>
    <message>
        <source>Có thể thử lại.</source>
        <translation>You can try again now.</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Trạm thu nhận hồ sơ căn cước</source>
        <translation>Citizen ID dossier intake station</translation>
    </message>
    <message>
        <source>DEMO — trạm trình diễn: chỉ dùng dữ liệu thử, không dùng cho hồ sơ thật.</source>
        <translation>DEMO — demonstration station: test data only, never real dossiers.</translation>
    </message>
    <message>
        <source>Lỗi ngoài dự kiến khi đăng nhập; xem nhật ký của trạm.</source>
        <translation>Unexpected error while logging in; see the station log.</translation>
    </message>
    <message>
        <source>Bạn đã khóa màn hình. Nhập mật khẩu để tiếp tục.</source>
        <translation>You locked the screen. Enter your password to go on.</translation>
    </message>
</context>
<context>
    <name>run</name>
    <message>
        <source>Không mở được trạm</source>
        <translation>Cannot open the station</translation>
    </message>
</context>
</TS>
