; Inno Setup script of the station for Windows (64-bit). Built on Windows only:
;
;   py -3.11 -m venv .venv && .venv\Scripts\pip install -e ".[dev]"
;   .venv\Scripts\python -c "from ui.i18n import build_translations; build_translations()"
;   .venv\Scripts\pyinstaller --noconfirm --distpath dist --workpath build installer\intake-station.spec
;   "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 installer\windows\intake-station.iss
;
; gives dist\intake-station-0.1.0-setup.exe. See docs/deployment.md, "Windows".
;
; The program goes to Program Files; the station's data folder is NOT in it: it is the user's
; %LOCALAPPDATA%\intake-station (platformdirs), or the folder named by INTAKE_STATION_HOME (for
; a laptop shared by several Windows accounts, set it machine-wide to a folder under
; %PROGRAMDATA% that only the station's users may read). Neither installing a newer version nor
; uninstalling touches it.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif

[Setup]
AppId={{6F1B3C2E-7A64-4E0B-9C1D-2B9E5A7D4C11}
AppName=Intake station
AppVerName=Intake station {#AppVersion}
AppVersion={#AppVersion}
AppPublisher=Intake station team
DefaultDirName={autopf}\IntakeStation
DefaultGroupName=Intake station
DisableProgramGroupPage=yes
OutputDir=..\..\dist
OutputBaseFilename=intake-station-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequired=admin
; Close a running station before files are replaced; an upgrade is an install over the old one.
CloseApplications=yes
RestartApplications=no
UninstallDisplayIcon={app}\intake-station.exe
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
; Inno Setup ships no Vietnamese messages; add an unofficial Vietnamese.isl here when available.

[InstallDelete]
; Files of the previous version that the new one no longer has must not linger in _internal.
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "..\..\dist\intake-station\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\Intake station"; Filename: "{app}\intake-station.exe"
Name: "{autodesktop}\Intake station"; Filename: "{app}\intake-station.exe"; Tasks: desktopicon
Name: "{group}\Intake station self-test"; Filename: "{cmd}"; Parameters: "/k ""{app}\intake-station-cli.exe"" --self-test"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"

[Run]
Filename: "{cmd}"; Parameters: "/k ""{app}\intake-station-cli.exe"" --self-test"; Description: "Run the self-test"; Flags: postinstall skipifsilent unchecked
Filename: "{app}\intake-station.exe"; Description: "{cm:LaunchProgram,Intake station}"; Flags: postinstall skipifsilent nowait
